package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class EventWriterTest {

  @Test
  void choosesThePartitionKafkasDefaultPartitionerChoosesForTheMeshKey() {
    // No broker needed: the producer connects lazily.
    try (EventWriter writer =
        new EventWriter(
            Map.of("bootstrap.servers", "127.0.0.1:1"),
            "t",
            7,
            (topic, event) -> new byte[0],
            Duration.ofSeconds(1))) {
      for (String mesh : new String[] {"default", "payments", "a", "mesh-with.dots_1"}) {
        assertThat(writer.partitionFor(mesh))
            .as(mesh)
            .isEqualTo(
                BuiltInPartitioner.partitionForKey(mesh.getBytes(StandardCharsets.UTF_8), 7));
      }
    }
  }
}
