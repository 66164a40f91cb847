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
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two xDS gateways, each a process of its own, and 200 simulated proxies (raw ADS streams, half
 * state of the world, half delta) spread over both. One gateway is killed with SIGKILL: its proxies
 * reconnect to the other and keep following the configs; no proxy is ever sent an older config than
 * one it acknowledged.
 */
class GatewayFleetIT {
  private static final int PROXIES = 200;
  private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(120);

  @TempDir Path dataDir;

  @Test
  void proxiesOfAKilledGatewayMoveToTheOtherAndKeepFollowing() throws Exception {
    Topics topics = new Topics("fleet.");
    List<Process> gateways = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    List<SimulatedProxy> proxies = new ArrayList<>();
    ScheduledExecutorService reconnects = Executors.newScheduledThreadPool(2);
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(props, topics, 2, (short) 1);
      try (KafkaSchemaRegistry registry = KafkaSchemaRegistry.start(props, topics.schemas());
          KafkaProducer<String, ProxyConfig> producer = SimulatedFleet.producer(kafka, registry)) {
        SimulatedFleet.publish(producer, topics, "fleet", PROXIES, 1);

        for (String label : List.of("a", "b")) {
          int port = FreePorts.next();
          gateways.add(
              SimulatedFleet.startGateway(
                  kafka, topics, port, 0, dataDir, "fleet-gateway-" + label));
          ManagedChannel channel =
              NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
          channels.add(channel);
          await("gateway " + label + " serving")
              .atMost(WAIT)
              .ignoreExceptions()
              .until(
                  () ->
                      HealthGrpc.newBlockingStub(channel)
                              .withDeadlineAfter(5, TimeUnit.SECONDS)
                              .check(HealthCheckRequest.getDefaultInstance())
                              .getStatus()
                          == ServingStatus.SERVING);
        }

        for (int i = 0; i < PROXIES; i++) {
          SimulatedProxy proxy =
              new SimulatedProxy(
                  SimulatedFleet.nodeId("fleet", i), channels, i % 2, i % 4 < 2, reconnects);
          proxies.add(proxy);
          proxy.connect();
        }
        SimulatedFleet.awaitGeneration(proxies, 1);
        SimulatedFleet.publish(producer, topics, "fleet", PROXIES, 2);
        SimulatedFleet.awaitGeneration(proxies, 2);

        // SIGKILL gateway a: its hundred proxies lose their streams and move to b.
        gateways.get(0).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        await("every proxy on gateway b")
            .atMost(WAIT)
            .until(() -> proxies.stream().allMatch(p -> p.gateway() == 1));
        assertThat(proxies.stream().filter(p -> p.reconnects() > 0).count()).isEqualTo(PROXIES / 2);
        assertThat(proxies).allSatisfy(p -> assertThat(p.generation()).isEqualTo(2));

        SimulatedFleet.publish(producer, topics, "fleet", PROXIES, 3);
        SimulatedFleet.awaitGeneration(proxies, 3);
        assertThat(proxies).noneMatch(SimulatedProxy::wentBack);
      }
    } finally {
      proxies.forEach(SimulatedProxy::stop);
      reconnects.shutdownNow();
      for (ManagedChannel c : channels) {
        c.shutdownNow();
        c.awaitTermination(10, TimeUnit.SECONDS);
      }
      for (Process p : gateways) {
        SimulatedFleet.stop(p);
      }
    }
  }
}
