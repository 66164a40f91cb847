package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import dev.chronomesh.kafka.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reconnect storm: 2,000 simulated proxies (half state of the world, half delta) on one gateway
 * process; the gateway is killed and a new one started on the same port while the configs change:
 * every proxy reconnects at once and ends on the current version. Prints the storm's duration and
 * the new gateway's heap (from its /metrics) for the record.
 */
class ReconnectStormIT {
  private static final int PROXIES = 2000;
  private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(180);
  private static final Pattern HEAP =
      Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.E+]+)$");

  @TempDir Path dataDir;

  @Test
  void twoThousandProxiesReconnectingAtOnceAllEndOnTheCurrentVersion() throws Exception {
    Topics topics = new Topics("storm.");
    List<SimulatedProxy> proxies = new ArrayList<>();
    ScheduledExecutorService reconnects = Executors.newScheduledThreadPool(2);
    Process gateway = null;
    ManagedChannel channel = null;
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(props, topics, 2, (short) 1);
      try (KafkaSchemaRegistry registry = KafkaSchemaRegistry.start(props, topics.schemas());
          KafkaProducer<String, ProxyConfig> producer = SimulatedFleet.producer(kafka, registry)) {
        SimulatedFleet.publish(producer, topics, "storm", PROXIES, 1);
        int port = FreePorts.next();
        int httpPort = FreePorts.next();
        gateway =
            SimulatedFleet.startGateway(kafka, topics, port, httpPort, dataDir, "storm-gateway-1");
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        awaitReady(httpPort);
        for (int i = 0; i < PROXIES; i++) {
          SimulatedProxy proxy =
              new SimulatedProxy(
                  SimulatedFleet.nodeId("storm", i), List.of(channel), 0, i % 2 == 0, reconnects);
          proxies.add(proxy);
          proxy.connect();
        }
        SimulatedFleet.awaitGeneration(proxies, 1);

        gateway.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        SimulatedFleet.publish(producer, topics, "storm", PROXIES, 2);
        long start = System.nanoTime();
        gateway =
            SimulatedFleet.startGateway(kafka, topics, port, httpPort, dataDir, "storm-gateway-2");
        SimulatedFleet.awaitGeneration(proxies, 2);
        long stormMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(proxies).allSatisfy(p -> assertThat(p.reconnects()).isPositive());
        assertThat(proxies).noneMatch(SimulatedProxy::wentBack);
        System.out.printf(
            "Reconnect storm: %d proxies on the current version %d ms after the new gateway"
                + " process started (including its JVM start and catching up); its heap used: %s"
                + " MB%n",
            PROXIES, stormMillis, heapMegabytes(httpPort));
      }
    } finally {
      proxies.forEach(SimulatedProxy::stop);
      reconnects.shutdownNow();
      if (channel != null) {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
      if (gateway != null) {
        SimulatedFleet.stop(gateway);
      }
    }
  }

  private static void awaitReady(int httpPort) {
    HttpClient http = HttpClient.newHttpClient();
    await("gateway ready")
        .atMost(WAIT)
        .ignoreExceptions()
        .until(
            () ->
                http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);
  }

  /** The gateway's used heap in MB (sum of its heap pools), or "?" when /metrics has none. */
  private static String heapMegabytes(int httpPort) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = HEAP.matcher(metrics);
    double bytes = 0;
    boolean found = false;
    while (m.find()) {
      bytes += Double.parseDouble(m.group(1));
      found = true;
    }
    return found ? String.format("%.1f", bytes / (1024 * 1024)) : "?";
  }
}
