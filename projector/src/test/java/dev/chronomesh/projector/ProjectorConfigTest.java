package dev.chronomesh.projector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ProjectorConfigTest {

  @Test
  void namesEveryMissingSetting() {
    Map<String, Object> props = new HashMap<>();
    props.put("security.protocol", null);

    assertThatThrownBy(() -> new ProjectorConfig(props, null, null, " ", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kafkaProperties.bootstrap.servers: missing")
        .hasMessageContaining("kafkaProperties.security.protocol: null value")
        .hasMessageContaining("topics: missing")
        .hasMessageContaining("registry: missing")
        .hasMessageContaining("applicationId: missing")
        .hasMessageContaining("stateDir: missing");
  }

  @Test
  void streamsSettingsAddExactlyOnceAndKeepPassThroughSettings() {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", "127.0.0.1:9092");
    props.put("security.protocol", "SSL");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    ProjectorConfig config =
        new ProjectorConfig(
            props,
            Topics.defaults(),
            new InMemorySchemaRegistry(),
            ProjectorConfig.DEFAULT_APPLICATION_ID,
            Path.of("state"));
    props.clear();

    Properties streams = Projector.streamsProperties(config);

    assertThat(streams)
        .containsEntry("bootstrap.servers", "127.0.0.1:9092")
        .containsEntry("security.protocol", "SSL")
        .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "chronomesh-projector")
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
        .containsEntry(StreamsConfig.STATE_DIR_CONFIG, Path.of("state").toAbsolutePath().toString())
        .containsEntry(
            StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
            org.apache.kafka.streams.errors.LogAndContinueExceptionHandler.class.getName())
        .containsEntry(StreamsConfig.producerPrefix("compression.type"), "lz4");
    assertThat(config.catchUpLag()).isZero();
  }

  @Test
  void aCatchUpLagIsZeroOrBetweenOneSecondAndOneHour() {
    ProjectorConfig config =
        new ProjectorConfig(
            Map.of("bootstrap.servers", "127.0.0.1:9092"),
            Topics.defaults(),
            new InMemorySchemaRegistry(),
            ProjectorConfig.DEFAULT_APPLICATION_ID,
            Path.of("state"));

    assertThat(config.withCatchUpLag(Duration.ofSeconds(10)).catchUpLag()).hasSeconds(10);
    assertThatThrownBy(() -> config.withCatchUpLag(Duration.ofMillis(500)))
        .hasMessageContaining("catchUpLag: must be zero or between 1s and 1h, got PT0.5S");
    assertThatThrownBy(() -> config.withCatchUpLag(Duration.ofHours(2)))
        .hasMessageContaining("catchUpLag: must be zero or between 1s and 1h");
    assertThatThrownBy(() -> config.withCatchUpLag(null))
        .hasMessageContaining("catchUpLag: missing");
  }
}
