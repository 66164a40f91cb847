package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.events.ProxyConfigEnvelope;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that cannot use its node's config is refused at once, with the label to change: real
 * grpc-xds clients (proxyless gRPC) against sidecar configs, an Envoy-like raw stream against a
 * proxyless one. The configs say their flavour in their envelope, as the projector writes them.
 */
class ProxyTypeMismatchIT {
  private static final String NODE = "default.web-1";
  private static final String LABEL = ProxyClient.PROXY_TYPE_LABEL + ": proxyless";
  private static final Duration AT_ONCE = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void aProxylessClientOfASidecarDataplaneFailsAtOnceNamingTheLabelAndWorksOnceItIsAdded()
      throws Exception {
    Topics topics = newTopics();
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics);
        ProxyStatusReader status =
            new ProxyStatusReader(kafka.bootstrapServers(), REGISTRY, topics.proxyStatus());
        HealthBackend backend = HealthBackend.start()) {
      producer.send(NODE, flavoured(ProxyConfigEnvelope.SIDECAR, backend.port()));
      await().atMost(WAIT).until(gateway::isReady);
      await().atMost(WAIT).until(() -> gateway.snapshots().storedVersion(NODE) != null);

      ManagedChannel channel = GrpcXdsChannels.toService(gateway.port(), NODE);
      try {
        long start = System.nanoTime();
        StatusRuntimeException failed = callFails(channel);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failed.getStatus().getDescription())
            .contains("dataplane default.web-1 is configured as an Envoy sidecar")
            .contains("gRPC Java")
            .contains("add the label " + LABEL + " to the Dataplane");
        assertThat(took).isLessThan(AT_ONCE);
        assertThat(gateway.snapshots().isActive(NODE)).isFalse();
        ProxyStatusEvent refused =
            await()
                .atMost(WAIT)
                .until(
                    () ->
                        status.events().stream()
                            .filter(e -> e.getKind().equals("REFUSED"))
                            .toList(),
                    l -> !l.isEmpty())
                .get(0);
        assertThat(refused.getProxy()).isEqualTo("web-1");
        assertThat(refused.getError()).contains(LABEL);

        // The label added, the projector writes the proxyless flavour: the client's next try works.
        producer.send(NODE, flavoured(ProxyConfigEnvelope.PROXYLESS, backend.port()));
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> check(channel));
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void aProxylessClientWaitingForItsConfigFailsAtOnceWhenASidecarConfigArrives() throws Exception {
    Topics topics = newTopics();
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics)) {
      await().atMost(WAIT).until(gateway::isReady);
      ManagedChannel channel = GrpcXdsChannels.toService(gateway.port(), NODE);
      try {
        CompletableFuture<StatusRuntimeException> call =
            CompletableFuture.supplyAsync(() -> callFails(channel));
        // Its stream is open and waits: the dataplane has no config yet.
        await().atMost(WAIT).until(() -> gateway.snapshots().isWatched(NODE));

        long start = System.nanoTime();
        producer.send(NODE, flavoured(ProxyConfigEnvelope.SIDECAR, 10001));
        StatusRuntimeException failed = call.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failed.getStatus().getDescription()).contains("add the label " + LABEL);
        assertThat(took).isLessThan(AT_ONCE);
        // Its stream closed and the node left memory, as when a client goes away.
        await().atMost(WAIT).until(() -> !gateway.snapshots().isActive(NODE));
      } finally {
        close(channel);
      }
    }
  }

  @Test
  void anEnvoyOfAProxylessDataplaneIsRefusedNamingTheLabel() throws Exception {
    Topics topics = newTopics();
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics)) {
      producer.send(NODE, flavoured(ProxyConfigEnvelope.PROXYLESS, 10001));
      await().atMost(WAIT).until(() -> gateway.snapshots().storedVersion(NODE) != null);

      ManagedChannel channel =
          Grpc.newChannelBuilder("127.0.0.1:" + gateway.port(), InsecureChannelCredentials.create())
              .build();
      try {
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        StreamObserver<DiscoveryRequest> requests =
            AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(DiscoveryResponse value) {
                        closed.completeExceptionally(new AssertionError("served " + value));
                      }

                      @Override
                      public void onError(Throwable t) {
                        closed.complete(t);
                      }

                      @Override
                      public void onCompleted() {
                        closed.completeExceptionally(new AssertionError("completed"));
                      }
                    });
        requests.onNext(
            DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId(NODE).setUserAgentName("envoy"))
                .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                .build());

        Status refused = Status.fromThrowable(closed.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(refused.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(refused.getDescription())
            .contains("configured as a proxyless gRPC client but an Envoy (envoy) connected")
            .contains("remove the label " + LABEL);
      } finally {
        close(channel);
      }
    }
  }

  /** web-1's config of {@code flavour} (its resources are a proxyless client's either way). */
  private static ProxyConfig flavoured(String flavour, int backendPort) {
    return ProxyConfig.newBuilder(ProxylessConfigs.proxyConfig("default", "web-1", backendPort))
        .setFlavour(flavour)
        .setEdsClusters(List.of(ProxylessConfigs.SERVICE))
        .build();
  }

  /** A call without wait-for-ready: it fails as soon as the channel knows it cannot resolve. */
  private static StatusRuntimeException callFails(ManagedChannel channel) {
    try {
      HealthCheckResponse response =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
      throw new AssertionError("the call succeeded: " + response);
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  private static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static void check(ManagedChannel channel) {
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  private static Topics newTopics() {
    return TestGateways.newTopics(kafka, "mismatch");
  }

  private static XdsGateway startGateway(Topics topics) {
    return TestGateways.start(kafka, topics, REGISTRY);
  }
}
