package dev.chronomesh.commandapi;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition of a mesh's records, as Kafka's default partitioner (and Kafka Streams' sinks)
 * choose it for the key: the API waits on that partition for the decider's events.
 */
final class MeshPartitioner {
  private MeshPartitioner() {}

  static int partitionFor(String mesh, int partitions) {
    return Utils.toPositive(Utils.murmur2(mesh.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
