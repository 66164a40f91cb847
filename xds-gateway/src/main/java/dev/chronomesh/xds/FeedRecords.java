package dev.chronomesh.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.ProxyConfigEnvelope;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.SchemaRegistry;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes and checks the values of proxy-configs and endpoints records. A proxy-configs record is
 * read in one of two depths: its {@linkplain #envelope envelope}, all the feed needs of a record
 * for a node nobody is connected for, or {@linkplain #config whole} (Avro and every resource's
 * protobuf), once per record of a connected node and once per activation. Thread-safe.
 */
final class FeedRecords {
  private final String configTopic;
  private final String endpointsTopic;
  private final AvroSerde<ProxyConfig> configSerde;
  private final AvroSerde<ClusterEndpoints> endpointsSerde;
  private final ProxyConfigEnvelope.Reader envelopes;

  FeedRecords(SchemaRegistry registry, String configTopic, String endpointsTopic) {
    this.configTopic = Objects.requireNonNull(configTopic, "configTopic");
    this.endpointsTopic = Objects.requireNonNull(endpointsTopic, "endpointsTopic");
    this.configSerde = AvroSerde.forValues(registry, ProxyConfig.class);
    this.endpointsSerde = AvroSerde.forValues(registry, ClusterEndpoints.class);
    this.envelopes = new ProxyConfigEnvelope.Reader(registry);
  }

  /** A cluster's endpoint set, its version and its newest cause (null: unknown). */
  record Endpoints(ClusterLoadAssignment assignment, String version, Instant newestCause) {}

  /** A record value that cannot be served; {@code problems} name each with its path. */
  static final class Invalid extends Exception {
    private final List<String> problems;

    Invalid(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    List<String> problems() {
      return problems;
    }
  }

  /**
   * The envelope of a proxy-configs record value of node {@code nodeId}, checked ({@link
   * ProxyConfigDecoder#envelopeViolations}); its resources are neither copied nor parsed.
   *
   * @throws Invalid when the value is not the wire format, names an unknown schema, is not Avro of
   *     the schema, or its envelope is bad
   */
  ProxyConfigEnvelope envelope(String nodeId, byte[] value) throws Invalid {
    ProxyConfigEnvelope envelope;
    try {
      envelope = envelopes.read(configTopic, value);
    } catch (RuntimeException e) {
      throw new Invalid(List.of("value: undecodable: " + e));
    }
    List<String> violations = ProxyConfigDecoder.envelopeViolations(nodeId, envelope);
    if (!violations.isEmpty()) {
      throw new Invalid(violations);
    }
    return envelope;
  }

  /**
   * The Avro record of a proxy-configs record value, its resources not parsed yet (see {@link
   * #config(String, ProxyConfig)}).
   *
   * @throws Invalid when the value is not the wire format, names an unknown schema or is not Avro
   *     of the schema
   */
  ProxyConfig avro(byte[] value) throws Invalid {
    try {
      return configSerde.deserialize(configTopic, value);
    } catch (RuntimeException e) {
      throw new Invalid(List.of("value: undecodable: " + e));
    }
  }

  /**
   * The config in a proxy-configs record value of node {@code nodeId}, decoded whole.
   *
   * @throws Invalid when the value cannot be read ({@link #avro}) or fails {@link
   *     ProxyConfigDecoder}'s checks
   */
  NodeConfig config(String nodeId, byte[] value) throws Invalid {
    return config(nodeId, avro(value));
  }

  /**
   * The config of node {@code nodeId} in a record read by {@link #avro}: every resource parsed and
   * versioned.
   *
   * @throws Invalid when the record fails {@link ProxyConfigDecoder}'s checks
   */
  static NodeConfig config(String nodeId, ProxyConfig config) throws Invalid {
    return switch (ProxyConfigDecoder.decode(nodeId, config)) {
      case ProxyConfigDecoder.Rejected rejected -> throw new Invalid(rejected.violations());
      case ProxyConfigDecoder.Accepted accepted ->
          NodeConfig.of(accepted, newestCause(config.getCauses()));
    };
  }

  /**
   * The endpoint set in an endpoints record value with key {@code <mesh>/<cluster>}.
   *
   * @throws Invalid when the value cannot be decoded or does not match its key
   */
  Endpoints endpoints(String mesh, String cluster, byte[] value) throws Invalid {
    ClusterEndpoints decoded;
    ClusterLoadAssignment cla;
    try {
      decoded = endpointsSerde.deserialize(endpointsTopic, value);
      cla = ClusterLoadAssignment.parseFrom(decoded.getLoadAssignment().duplicate());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new Invalid(List.of("value: undecodable: " + e));
    }
    List<String> problems = new ArrayList<>();
    if (!decoded.getMesh().equals(mesh) || !decoded.getCluster().equals(cluster)) {
      problems.add("key: does not match mesh/cluster of the value");
    }
    if (!cla.getClusterName().equals(cluster)) {
      problems.add("loadAssignment.clusterName: must be " + cluster);
    }
    if (decoded.getVersion().isBlank()) {
      problems.add("version: must not be blank");
    }
    if (!problems.isEmpty()) {
      throw new Invalid(problems);
    }
    return new Endpoints(cla, decoded.getVersion(), newestCause(decoded.getCauses()));
  }

  /** When the newest of these events happened, null when there are none. */
  static Instant newestCause(List<EventRef> causes) {
    Instant newest = null;
    for (EventRef cause : causes) {
      Instant at = cause.getOccurredAt();
      if (at != null && (newest == null || at.isAfter(newest))) {
        newest = at;
      }
    }
    return newest;
  }
}
