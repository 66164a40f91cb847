package dev.chronomesh.it;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.Duration;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the gateway-process tests share: proxy configs written in place of the projector (one
 * cluster whose connect timeout is the config's generation, as {@link SimulatedProxy} reads it),
 * gateway processes, and waiting for every simulated proxy to hold a generation.
 */
final class SimulatedFleet {
  static final java.time.Duration WAIT = java.time.Duration.ofSeconds(180);

  private SimulatedFleet() {}

  static KafkaProducer<String, ProxyConfig> producer(EmbeddedKafka kafka, SchemaRegistry registry) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new StringSerializer(),
        AvroSerde.forValues(registry, ProxyConfig.class));
  }

  /** The node id of proxy {@code i} of mesh {@code mesh}. */
  static String nodeId(String mesh, int i) {
    return mesh + ".proxy-" + i;
  }

  /**
   * Writes generation {@code generation} of the configs of {@code count} proxies of {@code mesh}.
   */
  static void publish(
      KafkaProducer<String, ProxyConfig> producer,
      Topics topics,
      String mesh,
      int count,
      int generation) {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("c")
            .setType(Cluster.DiscoveryType.STATIC)
            .setConnectTimeout(Duration.newBuilder().setSeconds(generation))
            .build();
    for (int i = 0; i < count; i++) {
      producer.send(
          new ProducerRecord<>(
              topics.proxyConfigs(),
              nodeId(mesh, i),
              ProxyConfig.newBuilder()
                  .setMesh(mesh)
                  .setProxy("proxy-" + i)
                  .setVersion("g" + generation)
                  .setResources(
                      List.of(
                          XdsResource.newBuilder()
                              .setTypeUrl(SimulatedProxy.CLUSTERS)
                              .setName("c")
                              .setValue(ByteBuffer.wrap(cluster.toByteArray()))
                              .build()))
                  .build()));
    }
    producer.flush();
  }

  /**
   * Starts {@code chronomesh run xds-gateway} as a process of its own, without dataplane tokens:
   * these tests are about load and reconnects, and their simulated proxies present none.
   */
  static Process startGateway(
      EmbeddedKafka kafka, Topics topics, int port, int httpPort, Path dataDir, String label)
      throws Exception {
    return ChronomeshProcess.start(
        List.of(
            "run",
            "xds-gateway",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--http-port",
            Integer.toString(httpPort),
            "--plaintext",
            "--no-dataplane-tokens",
            "--topic-prefix",
            topics.prefix(),
            "--replication",
            "1",
            "--partitions",
            "2",
            "--data-dir",
            dataDir.resolve(label).toString()),
        label);
  }

  static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  static void awaitGeneration(List<SimulatedProxy> proxies, int generation) {
    await("every proxy holds generation " + generation)
        .atMost(WAIT)
        .until(() -> proxies.stream().allMatch(p -> p.generation() == generation));
  }
}
