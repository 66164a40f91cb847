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

  private static CommandApiConfig config(
      int port, Map<String, Object> kafka, int maxBodyBytes, Duration writeTimeout) {
    return new CommandApiConfig(
        "127.0.0.1",
        port,
        kafka,
        Topics.defaults(),
        new InMemorySchemaRegistry(),
        maxBodyBytes,
        writeTimeout,
        SEALER,
        null,
        null,
        null);
  }

  @Test
  void rejectsSettingsThatCannotWork() {
    Duration timeout = Duration.ofSeconds(5);
    assertThatThrownBy(() -> config(-1, KAFKA, 1024, timeout))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> config(0, KAFKA, 0, timeout))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> config(0, Map.of(), 1024, timeout))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> config(0, KAFKA, 1024, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
