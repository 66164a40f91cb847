package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.EventRef;
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
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proxy status against a real broker and a raw state-of-the-world ADS stream: what lands in the
 * proxy-status topic, and that a NACKed version is not sent again while the next one is.
 */
class ProxyStatusIT {
  private static final String NODE = "default.web-1";
  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
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
  void connectAckNackAndDisconnectLandInTheProxyStatusTopic() throws Exception {
    Topics topics = newTopics();
    Instant caused = Instant.now().minusSeconds(2);
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics);
        ProxyStatusReader status =
            new ProxyStatusReader(kafka.bootstrapServers(), REGISTRY, topics.proxyStatus())) {
      ProxyConfig a = withCause(ProxylessConfigs.proxyConfig("default", "web-1", 10001), caused);
      producer.send(NODE, a);
      await().atMost(WAIT).until(() -> gateway.snapshots().storedVersion(NODE) != null);

      ManagedChannel channel = plainChannel(gateway.port());
      BlockingQueue<Object> received = new LinkedBlockingQueue<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(collectInto(received));
      Node node = Node.newBuilder().setId(NODE).build();
      try {
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
        DiscoveryResponse first = next(received);
        assertThat(first.getVersionInfo()).isEqualTo(a.getVersion());
        requests.onNext(ack(node, first));

        ProxyConfig b = ProxylessConfigs.proxyConfig("default", "web-1", withTimeout(7));
        producer.send(NODE, b);
        DiscoveryResponse second = next(received);
        assertThat(second.getVersionInfo()).isEqualTo(b.getVersion());
        requests.onNext(nack(node, second, first.getVersionInfo(), "cluster backend: bad"));

        await()
            .atMost(WAIT)
            .until(() -> status.kinds().containsAll(List.of("CONNECTED", "ACK", "NACK")));
      } finally {
        requests.onCompleted();
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
      await().atMost(WAIT).until(() -> status.kinds().contains("DISCONNECTED"));

      List<ProxyStatusEvent> events = status.events();
      assertThat(events)
          .extracting(ProxyStatusEvent::getKind)
          .containsExactly("CONNECTED", "ACK", "NACK", "DISCONNECTED");
      String gatewayName = "127.0.0.1:" + gateway.port();
      assertThat(events)
          .allSatisfy(
              e -> {
                assertThat(e.getMesh()).isEqualTo("default");
                assertThat(e.getProxy()).isEqualTo("web-1");
                assertThat(e.getGateway()).isEqualTo(gatewayName);
                assertThat(e.getProtocol()).isEqualTo("sotw");
              });
      ProxyStatusEvent ack = events.get(1);
      assertThat(ack.getTypeUrl()).isEqualTo(CDS);
      assertThat(ack.getVersion()).isEqualTo(a.getVersion());
      assertThat(ack.getConvergenceMillis()).isNotNull().isGreaterThanOrEqualTo(2000L);
      ProxyStatusEvent nack = events.get(2);
      assertThat(nack.getTypeUrl()).isEqualTo(CDS);
      assertThat(nack.getVersion())
          .isEqualTo(ProxylessConfigs.proxyConfig("default", "web-1", withTimeout(7)).getVersion());
      assertThat(nack.getError()).isEqualTo("cluster backend: bad");
      assertThat(nack.getConvergenceMillis()).isNull();
      assertThat(events.get(0).getStreamId()).isEqualTo(events.get(3).getStreamId()).isNotNull();
      // One key per fact (compaction keeps each), all of them on the node's partition.
      assertThat(status.keys())
          .containsExactly(
              NODE + "/stream",
              NODE + "/ack/" + Resources.V3.CLUSTER_TYPE_URL,
              NODE + "/nack",
              NODE + "/stream");
    }
  }

  @Test
  void aNackedVersionIsNotSentAgainAndTheNextVersionIs() throws Exception {
    Topics topics = newTopics();
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics)) {
      List<String> nacks = new CopyOnWriteArrayList<>();
      gateway.addListener(
          new ProxyEventListener() {
            @Override
            public void nacked(String nodeId, String typeUrl, String version, String error) {
              nacks.add(version);
            }
          });
      ProxyConfig good = ProxylessConfigs.proxyConfig("default", "web-1", 10001);
      producer.send(NODE, good);
      await().atMost(WAIT).until(() -> gateway.snapshots().storedVersion(NODE) != null);

      ManagedChannel channel = plainChannel(gateway.port());
      BlockingQueue<Object> received = new LinkedBlockingQueue<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(collectInto(received));
      Node node = Node.newBuilder().setId(NODE).build();
      try {
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
        DiscoveryResponse first = next(received);
        requests.onNext(ack(node, first));

        ProxyConfig versionA = ProxylessConfigs.proxyConfig("default", "web-1", withTimeout(7));
        producer.send(NODE, versionA);
        DiscoveryResponse a = next(received);
        assertThat(a.getVersionInfo()).isEqualTo(versionA.getVersion());
        // As Envoy and gRPC do: the NACK names the version still in use, not the rejected one.
        requests.onNext(nack(node, a, first.getVersionInfo(), "rejected A"));
        await().atMost(WAIT).until(() -> nacks.contains(versionA.getVersion()));

        // Bounded wait: a NACK loop would re-send A within milliseconds.
        Object resent = received.poll(2, TimeUnit.SECONDS);
        assertThat(resent).as("a response after the NACK of A, before any new record").isNull();

        ProxyConfig versionB = ProxylessConfigs.proxyConfig("default", "web-1", withTimeout(9));
        producer.send(NODE, versionB);
        DiscoveryResponse b = next(received);
        assertThat(b.getVersionInfo()).isEqualTo(versionB.getVersion());
        requests.onNext(ack(node, b));
        assertThat(received.poll(1, TimeUnit.SECONDS)).as("anything after B's ACK").isNull();
        assertThat(nacks).containsExactly(versionA.getVersion());
      } finally {
        requests.onCompleted();
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  private static ProxyConfig withCause(ProxyConfig config, Instant at) {
    return ProxyConfig.newBuilder(config)
        .setCauses(List.of(new EventRef(0, 41L, at.minusSeconds(5)), new EventRef(1, 7L, at)))
        .build();
  }

  /** The proxyless resources with the cluster's connect timeout changed: a new version. */
  private static List<dev.chronomesh.events.avro.XdsResource> withTimeout(int seconds) {
    List<dev.chronomesh.events.avro.XdsResource> resources =
        new ArrayList<>(ProxylessConfigs.resources(10001));
    resources.removeIf(r -> r.getTypeUrl().equals(CDS));
    resources.add(
        ProxylessConfigs.resource(
            CDS,
            "backend",
            ProxylessConfigs.cluster().toBuilder()
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(seconds))
                .build()));
    return resources;
  }

  private static DiscoveryRequest ack(Node node, DiscoveryResponse response) {
    return DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(response.getTypeUrl())
        .setVersionInfo(response.getVersionInfo())
        .setResponseNonce(response.getNonce())
        .build();
  }

  private static DiscoveryRequest nack(
      Node node, DiscoveryResponse response, String versionInUse, String error) {
    return DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(response.getTypeUrl())
        .setVersionInfo(versionInUse)
        .setResponseNonce(response.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(error))
        .build();
  }

  private static DiscoveryResponse next(BlockingQueue<Object> received)
      throws InterruptedException {
    Object next = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(next).as("next response").isInstanceOf(DiscoveryResponse.class);
    return (DiscoveryResponse) next;
  }

  private static <T> StreamObserver<T> collectInto(BlockingQueue<Object> queue) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        queue.add(value);
      }

      @Override
      public void onError(Throwable t) {
        queue.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static Topics newTopics() {
    return TestGateways.newTopics(kafka, "status");
  }

  private static XdsGateway startGateway(Topics topics) {
    return TestGateways.start(kafka, topics, REGISTRY);
  }

  private static ManagedChannel plainChannel(int port) {
    return Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
  }
}
