package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class MeshPartitionerTest {

  @Test
  void choosesThePartitionKafkasDefaultPartitionerChoosesForTheMeshKey() {
    for (String mesh : new String[] {"default", "payments", "a", "mesh-with.dots_1", "_global"}) {
      assertThat(MeshPartitioner.partitionFor(mesh, 7))
          .as(mesh)
          .isEqualTo(BuiltInPartitioner.partitionForKey(mesh.getBytes(StandardCharsets.UTF_8), 7));
    }
  }
}
