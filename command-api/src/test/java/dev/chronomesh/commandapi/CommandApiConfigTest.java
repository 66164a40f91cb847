package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandApiConfigTest {
  private static final dev.chronomesh.meshmodel.Sealer SEALER =
      new dev.chronomesh.auth.EnvelopeSealer(dev.chronomesh.auth.EnvelopeSealer.newKek());
  private static final Map<String, Object> KAFKA = Map.of("bootstrap.servers", "127.0.0.1:9092");

  @Test
  void rejectsSettingsThatCannotWork() {
    var registry = new InMemorySchemaRegistry();
    Topics topics = Topics.defaults();
    Duration timeout = Duration.ofSeconds(5);
    assertThatThrownBy(
            () ->
                new CommandApiConfig(
                    "127.0.0.1", -1, KAFKA, topics, registry, 1024, timeout, SEALER, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new CommandApiConfig(
                    "127.0.0.1", 0, KAFKA, topics, registry, 0, timeout, SEALER, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new CommandApiConfig(
                    "127.0.0.1", 0, Map.of(), topics, registry, 1024, timeout, SEALER, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new CommandApiConfig(
                    "127.0.0.1",
                    0,
                    KAFKA,
                    topics,
                    registry,
                    1024,
                    Duration.ZERO,
                    SEALER,
                    null,
                    null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
