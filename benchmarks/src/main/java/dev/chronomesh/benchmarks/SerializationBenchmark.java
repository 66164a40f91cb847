package dev.chronomesh.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.projector.ProxyConfigRecords;
import dev.chronomesh.projector.generate.ConfigGenerator;
import dev.chronomesh.projector.generate.ConfigVersion;
import dev.chronomesh.projector.generate.GeneratedConfig;
import dev.chronomesh.projector.generate.GeneratedResource;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.MeshResources;
import dev.chronomesh.projector.generate.Protos;
import dev.chronomesh.xds.GatewayDecoding;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Serialization of one typical generated config (a sidecar or a proxyless client in the {@link
 * BenchmarkMesh} of 100 services): the deterministic protobuf encoding of its Envoy resources, its
 * content version, the ProxyConfig Avro record in the Confluent wire format as the projector writes
 * it to the proxy-configs topic, and the gateway's side: reading that record and parsing it back
 * into Envoy messages.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
// Settles within 2-3 s on a 2-core box; 5 leaves a margin.
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class SerializationBenchmark {
  static final int SERVICES = 100;

  private static final Map<String, Parser<? extends Message>> PARSERS =
      Map.of(
          "type.googleapis.com/envoy.config.listener.v3.Listener", Listener.parser(),
          "type.googleapis.com/envoy.config.cluster.v3.Cluster", Cluster.parser(),
          "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
              RouteConfiguration.parser(),
          "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
              ClusterLoadAssignment.parser(),
          "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", Secret.parser());

  /** Whose config: {@code sidecar} (an Envoy sidecar) or {@code proxyless} (a gRPC client). */
  @Param({"sidecar", "proxyless"})
  public String proxy;

  private String topic;
  private String key;
  private AvroSerde<ProxyConfig> serde;
  private GeneratedConfig generated;
  private List<Message> messages;
  private ProxyConfig record;
  private byte[] wire;
  private GatewayDecoding decoding;

  /**
   * Generates the config, builds its record and its wire bytes, and checks that the bytes read back
   * to the same record and that the gateway accepts every resource.
   */
  @Setup(Level.Trial)
  public void setUp() throws InvalidProtocolBufferException {
    MeshResources resources = BenchmarkMesh.build(SERVICES);
    String dataplane =
        switch (proxy) {
          case "sidecar" -> BenchmarkMesh.SIDECAR;
          case "proxyless" -> BenchmarkMesh.PROXYLESS;
          default -> throw new IllegalArgumentException("proxy must be sidecar or proxyless");
        };
    generated =
        ConfigGenerator.generate(
            MeshContext.of(resources), BenchmarkMesh.dataplane(resources, dataplane));
    messages = new ArrayList<>(generated.resources().size());
    int protobufBytes = 0;
    for (GeneratedResource r : generated.resources()) {
      Parser<? extends Message> parser = PARSERS.get(r.typeUrl());
      if (parser == null) {
        throw new IllegalStateException("no parser for " + r.typeUrl() + " " + r.name());
      }
      messages.add(parser.parseFrom(r.value()));
      protobufBytes += r.value().size();
    }
    topic = Topics.defaults().proxyConfigs();
    key = Keys.proxy(BenchmarkMesh.MESH, dataplane);
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    serde = AvroSerde.forValues(registry, ProxyConfig.class);
    record = toAvro(dataplane, generated);
    wire = serde.serialize(topic, record);
    if (!serde.deserialize(topic, wire).equals(record)) {
      throw new IllegalStateException("the record does not read back equal");
    }
    decoding = new GatewayDecoding(registry, Topics.defaults());
    int decoded = decoding.decode(key, wire).messages();
    if (decoded != messages.size()) {
      throw new IllegalStateException(
          "the gateway decoded " + decoded + " of " + messages.size() + " resources");
    }
    System.out.printf(
        "# workload: proxy=%s resources=%d edsClusters=%d protobufBytes=%d avroWireBytes=%d%n",
        key, messages.size(), generated.edsClusters().size(), protobufBytes, wire.length);
  }

  /**
   * The record the projector writes (its own mapping): envelope (version, flavour, EDS clusters),
   * resources in order, a cause.
   */
  private ProxyConfig toAvro(String dataplane, GeneratedConfig config) {
    return ProxyConfigRecords.of(
        BenchmarkMesh.MESH,
        dataplane,
        ConfigVersion.of(config.resources()),
        proxy,
        config,
        List.of(
            EventRef.newBuilder()
                .setPartition(3)
                .setOffset(123_456L)
                .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .build()));
  }

  /** Deterministic protobuf bytes of every Envoy resource of the config. */
  @Benchmark
  public void protobufDeterministicBytes(Blackhole bh) {
    for (Message m : messages) {
      bh.consume(Protos.deterministicBytes(m));
    }
  }

  /** The config's content version: SHA-256 over type URLs, names and bytes. */
  @Benchmark
  public String configVersion() {
    return ConfigVersion.of(generated.resources());
  }

  /** A built ProxyConfig record to its Confluent wire bytes (schema id cached). */
  @Benchmark
  public byte[] avroSerialize() {
    return serde.serialize(topic, record);
  }

  /** The projector's write: generated config → version → Avro record → wire bytes. */
  @Benchmark
  public byte[] projectorWrite() {
    return serde.serialize(topic, toAvro(record.getProxy(), generated));
  }

  /** Wire bytes back to a ProxyConfig record (writer schema resolved once, cached). */
  @Benchmark
  public ProxyConfig avroDeserialize() {
    return serde.deserialize(topic, wire);
  }

  /** The gateway's check and parse of a record it has read into Envoy messages. */
  @Benchmark
  public Object gatewayDecode() {
    return GatewayDecoding.decode(key, record);
  }

  /**
   * The gateway's work for a connected node's record or an activation: wire bytes → record → Envoy
   * messages.
   */
  @Benchmark
  public Object gatewayRead() {
    return decoding.decode(key, wire);
  }

  /**
   * The gateway's work for the record of a node nobody is connected for: wire bytes → the
   * envelope's version, the resources skipped.
   */
  @Benchmark
  public String gatewayEnvelope() {
    return decoding.envelopeVersion(key, wire);
  }
}
