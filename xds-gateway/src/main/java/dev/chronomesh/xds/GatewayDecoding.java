package dev.chronomesh.xds;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.util.Objects;

/**
 * What the gateway does with one proxy-configs record, for tools outside it that measure that work
 * (the JMH benchmarks): read only its envelope, as the feed does for a node nobody is connected
 * for, or decode it whole, as an activation (or a connected node's new record) does. The decoding
 * itself stays package-private.
 */
public final class GatewayDecoding {
  private final FeedRecords records;

  /** Reads the records of {@code topics}' proxy-configs topic, schemas from {@code registry}. */
  public GatewayDecoding(SchemaRegistry registry, Topics topics) {
    this.records = new FeedRecords(registry, topics.proxyConfigs(), topics.endpoints());
  }

  /**
   * The version of node {@code nodeId}'s record value, from its envelope: the resources are neither
   * copied nor parsed.
   *
   * @throws IllegalArgumentException naming every problem when the gateway skips the record
   */
  public String envelopeVersion(String nodeId, byte[] value) {
    try {
      return records.envelope(nodeId, value).version();
    } catch (FeedRecords.Invalid e) {
      throw new IllegalArgumentException("gateway skips " + nodeId + ": " + e.problems(), e);
    }
  }

  /**
   * Node {@code nodeId}'s record value decoded whole: the Avro record, every resource parsed and
   * versioned, and the snapshot's resources built.
   *
   * @throws IllegalArgumentException naming every problem when the gateway rejects the record
   */
  public Decoded decode(String nodeId, byte[] value) {
    try {
      return new Decoded(records.config(nodeId, value));
    } catch (FeedRecords.Invalid e) {
      throw new IllegalArgumentException("gateway rejects " + nodeId + ": " + e.problems(), e);
    }
  }

  /**
   * An Avro record already read, decoded as {@link #decode(String, byte[])} does after reading.
   *
   * @throws IllegalArgumentException naming every problem when the gateway rejects the record
   */
  public static Decoded decode(String nodeId, ProxyConfig config) {
    try {
      return new Decoded(FeedRecords.config(nodeId, config));
    } catch (FeedRecords.Invalid e) {
      throw new IllegalArgumentException("gateway rejects " + nodeId + ": " + e.problems(), e);
    }
  }

  /** A decoded config: opaque, but for how many Envoy messages it holds. */
  public static final class Decoded {
    private final NodeConfig config;

    private Decoded(NodeConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** How many Envoy messages (clusters, listeners, routes, secrets, load assignments). */
    public int messages() {
      return config.messages();
    }
  }
}
