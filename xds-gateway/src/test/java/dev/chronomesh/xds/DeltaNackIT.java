package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A NACK on a delta (incremental) ADS stream, against a real broker and a real gateway: the NACK
 * lands in the proxy-status topic with the client's error, the rejected version is not sent again,
 * another proxy connected meanwhile keeps getting and ACKing its updates, and the next version is
 * sent and ACKed. The state-of-the-world counterpart is {@link ProxyStatusIT} and {@link
 * ProxyStatusNackGuardIT}.
 *
 * <p>Why no guard is needed here (java-control-plane 1.0.49): on any delta request the stream
 * observer opens the next watch at the version of the last response it sent of that type, not at
 * what the client names; after a NACK of version 2 that is version 2, which equals the snapshot's,
 * so SimpleCache keeps the watch open and answers only when the snapshot changes. A NACK also
 * leaves the stream's tracked resource versions at the last ACKed ones, so the next version is
 * diffed against what the client really runs.
 */
class DeltaNackIT {
  private static final String NODE = "default.web-1";
  private static final String OTHER = "default.web-2";
  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
  private static final String ERROR = "rejected by test";
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** How long after the NACK the gateway must stay silent towards the NACKing node. */
  private static final Duration QUIET = Duration.ofSeconds(2);

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
  void aDeltaNackIsReportedNotResentAndTheNextVersionIsSent() throws Exception {
    Topics topics = newTopics();
    ProxyConfig v1 = config("web-1", 5);
    ProxyConfig v2 = config("web-1", 7);
    ProxyConfig v3 = config("web-1", 9);
    ProxyConfig other1 = config("web-2", 5);
    ProxyConfig other2 = config("web-2", 8);
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics);
        ProxyStatusReader status =
            new ProxyStatusReader(kafka.bootstrapServers(), REGISTRY, topics.proxyStatus())) {
      producer.send(NODE, v1);
      producer.send(OTHER, other1);
      await()
          .atMost(WAIT)
          .until(
              () ->
                  v1.getVersion().equals(gateway.snapshots().storedVersion(NODE))
                      && other1.getVersion().equals(gateway.snapshots().storedVersion(OTHER)));

      try (SotwStream web2 = new SotwStream(gateway.port(), OTHER);
          DeltaStream web1 = new DeltaStream(gateway.port(), NODE)) {
        // The bystander: a state-of-the-world proxy of another node, connected throughout.
        web2.subscribe(CDS);
        DiscoveryResponse otherFirst = web2.awaitResponse(0, r -> true);
        assertThat(otherFirst.getVersionInfo()).isEqualTo(other1.getVersion());
        web2.ack(otherFirst);

        // The delta proxy: wildcard subscriptions to clusters and listeners, each ACKed.
        web1.subscribe(CDS);
        DeltaDiscoveryResponse cds1 = web1.awaitResponse(0, r -> r.getTypeUrl().equals(CDS));
        assertThat(cds1.getSystemVersionInfo()).isEqualTo(v1.getVersion());
        assertThat(connectTimeoutSeconds(cds1)).isEqualTo(5);
        web1.ack(cds1);
        web1.subscribe(LDS);
        DeltaDiscoveryResponse lds1 = web1.awaitResponse(0, r -> r.getTypeUrl().equals(LDS));
        assertThat(lds1.getSystemVersionInfo()).isEqualTo(v1.getVersion());
        assertThat(lds1.getResourcesList()).extracting(r -> r.getName()).containsExactly("backend");
        web1.ack(lds1);
        await()
            .atMost(WAIT)
            .until(
                () ->
                    status.has("web-1", "ACK", CDS, v1.getVersion())
                        && status.has("web-1", "ACK", LDS, v1.getVersion())
                        && status.has("web-2", "ACK", CDS, other1.getVersion()));

        // Version 2 changes the cluster only; the proxy rejects it.
        int beforeV2 = web1.received.size();
        producer.send(NODE, v2);
        DeltaDiscoveryResponse cds2 = web1.awaitResponse(beforeV2, r -> r.getTypeUrl().equals(CDS));
        assertThat(cds2.getSystemVersionInfo()).isEqualTo(v2.getVersion());
        assertThat(connectTimeoutSeconds(cds2)).isEqualTo(7);
        int afterNack = web1.received.size();
        web1.nack(cds2, ERROR);

        // (a) The NACK is in the proxy-status topic, with the client's error, node and type.
        await().atMost(WAIT).until(() -> status.has("web-1", "NACK", CDS, v2.getVersion()));
        ProxyStatusEvent nack = status.find("web-1", "NACK", CDS, v2.getVersion()).orElseThrow();
        assertThat(nack.getError()).isEqualTo(ERROR);
        assertThat(nack.getProtocol()).isEqualTo("delta");
        assertThat(nack.getMesh()).isEqualTo("default");
        assertThat(nack.getConvergenceMillis()).isNull();

        // (c, first half) The other node's next version, published while web-1 sits on its NACK.
        int otherBefore = web2.received.size();
        producer.send(OTHER, other2);

        // (b) Bounded observation window: a NACK loop would re-send version 2 within milliseconds.
        // Fails at once on the first re-send, passes once QUIET has gone by without one.
        await("no re-send of the NACKed version")
            .during(QUIET)
            .atMost(QUIET.plusSeconds(10))
            .failFast(
                "the gateway re-sent the NACKed version " + v2.getVersion(),
                () -> web1.count(afterNack, CDS, v2.getVersion()) > 0)
            .until(() -> web1.count(afterNack, CDS, v2.getVersion()) == 0);
        assertThat(web1.received.size())
            .as("responses of any type to web-1 after its NACK, before version 3")
            .isEqualTo(afterNack);

        // (c, second half) The bystander got its new version meanwhile and its ACK is recorded.
        DiscoveryResponse otherSecond = web2.awaitResponse(otherBefore, r -> true);
        assertThat(otherSecond.getVersionInfo()).isEqualTo(other2.getVersion());
        web2.ack(otherSecond);
        await().atMost(WAIT).until(() -> status.has("web-2", "ACK", CDS, other2.getVersion()));

        // (d) Version 3 is sent to the NACKing node, and its ACK is recorded.
        producer.send(NODE, v3);
        DeltaDiscoveryResponse cds3 =
            web1.awaitResponse(afterNack, r -> r.getTypeUrl().equals(CDS));
        assertThat(cds3.getSystemVersionInfo()).isEqualTo(v3.getVersion());
        assertThat(connectTimeoutSeconds(cds3)).isEqualTo(9);
        web1.ack(cds3);
        await().atMost(WAIT).until(() -> status.has("web-1", "ACK", CDS, v3.getVersion()));
        assertThat(web1.received.subList(afterNack, web1.received.size()))
            .as("responses to web-1 after its NACK")
            .containsExactly(cds3);
        assertThat(web1.count(0, CDS, v2.getVersion())).as("times version 2 was sent").isEqualTo(1);

        assertThat(web1.errors).as("stream errors of web-1").isEmpty();
        assertThat(web2.errors).as("stream errors of web-2").isEmpty();
      }

      List<ProxyStatusEvent> web1Events =
          status.events().stream().filter(e -> e.getProxy().equals("web-1")).toList();
      assertThat(web1Events)
          .extracting(e -> e.getKind() + " " + e.getTypeUrl() + " " + e.getVersion())
          .startsWith(
              "CONNECTED null null",
              "ACK " + CDS + " " + v1.getVersion(),
              "ACK " + LDS + " " + v1.getVersion(),
              "NACK " + CDS + " " + v2.getVersion(),
              "ACK " + CDS + " " + v3.getVersion());
      assertThat(web1Events).allSatisfy(e -> assertThat(e.getProtocol()).isEqualTo("delta"));
      List<ProxyStatusEvent> web2Events =
          status.events().stream().filter(e -> e.getProxy().equals("web-2")).toList();
      assertThat(web2Events)
          .extracting(e -> e.getKind() + " " + e.getVersion())
          .startsWith("CONNECTED null", "ACK " + other1.getVersion(), "ACK " + other2.getVersion());
      assertThat(web2Events).allSatisfy(e -> assertThat(e.getProtocol()).isEqualTo("sotw"));
    }
  }

  /** The proxyless resources of one proxy, with the cluster's connect timeout as given. */
  private static ProxyConfig config(String proxy, int connectTimeoutSeconds) {
    List<XdsResource> resources = new ArrayList<>(ProxylessConfigs.resources(10001));
    resources.removeIf(r -> r.getTypeUrl().equals(CDS));
    resources.add(
        ProxylessConfigs.resource(
            CDS,
            ProxylessConfigs.SERVICE,
            ProxylessConfigs.cluster().toBuilder()
                .setConnectTimeout(
                    com.google.protobuf.Duration.newBuilder().setSeconds(connectTimeoutSeconds))
                .build()));
    return ProxylessConfigs.proxyConfig("default", proxy, resources);
  }

  private static long connectTimeoutSeconds(DeltaDiscoveryResponse response)
      throws InvalidProtocolBufferException {
    assertThat(response.getResourcesList())
        .extracting(r -> r.getName())
        .containsExactly(ProxylessConfigs.SERVICE);
    return response
        .getResources(0)
        .getResource()
        .unpack(Cluster.class)
        .getConnectTimeout()
        .getSeconds();
  }

  private static Topics newTopics() {
    return TestGateways.newTopics(kafka, "deltanack");
  }

  private static XdsGateway startGateway(Topics topics) {
    return TestGateways.start(kafka, topics, REGISTRY);
  }

  private static ManagedChannel plainChannel(int port) {
    return Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
  }

  /** Waits for the first response at or after {@code from} that matches. */
  private static <T> T awaitIn(List<T> received, int from, Predicate<T> match) {
    return await()
        .atMost(WAIT)
        .until(
            () -> {
              List<T> all = List.copyOf(received);
              return all.subList(Math.min(from, all.size()), all.size()).stream()
                  .filter(match)
                  .findFirst();
            },
            Optional::isPresent)
        .orElseThrow();
  }

  /**
   * A collecting observer: every message into {@code received}, every error into {@code errors}.
   */
  private static <T> StreamObserver<T> collectInto(List<T> received, List<Throwable> errors) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        received.add(value);
      }

      @Override
      public void onError(Throwable t) {
        errors.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  /**
   * One raw delta ADS stream of a node, sending the node in every request (Envoy's default) and
   * keeping every response in arrival order.
   */
  private static final class DeltaStream implements AutoCloseable {
    final ManagedChannel channel;
    final Node node;
    final List<DeltaDiscoveryResponse> received = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final StreamObserver<DeltaDiscoveryRequest> requests;

    DeltaStream(int port, String nodeId) {
      this.channel = plainChannel(port);
      this.node = Node.newBuilder().setId(nodeId).build();
      this.requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .deltaAggregatedResources(collectInto(received, errors));
    }

    /** A wildcard subscription to {@code typeUrl} (no names). */
    void subscribe(String typeUrl) {
      requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).build());
    }

    void ack(DeltaDiscoveryResponse response) {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce())
              .build());
    }

    void nack(DeltaDiscoveryResponse response, String error) {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce())
              .setErrorDetail(Status.newBuilder().setCode(3).setMessage(error))
              .build());
    }

    DeltaDiscoveryResponse awaitResponse(int from, Predicate<DeltaDiscoveryResponse> match) {
      return awaitIn(received, from, match);
    }

    /** Responses of {@code typeUrl} carrying {@code version}, at or after index {@code from}. */
    long count(int from, String typeUrl, String version) {
      List<DeltaDiscoveryResponse> all = List.copyOf(received);
      return all.subList(Math.min(from, all.size()), all.size()).stream()
          .filter(r -> r.getTypeUrl().equals(typeUrl))
          .filter(r -> r.getSystemVersionInfo().equals(version))
          .count();
    }

    @Override
    public void close() throws InterruptedException {
      requests.onCompleted();
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** One raw state-of-the-world ADS stream of a node. */
  private static final class SotwStream implements AutoCloseable {
    final ManagedChannel channel;
    final Node node;
    final List<DiscoveryResponse> received = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final StreamObserver<DiscoveryRequest> requests;

    SotwStream(int port, String nodeId) {
      this.channel = plainChannel(port);
      this.node = Node.newBuilder().setId(nodeId).build();
      this.requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(collectInto(received, errors));
    }

    void subscribe(String typeUrl) {
      requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).build());
    }

    void ack(DiscoveryResponse response) {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(response.getTypeUrl())
              .setVersionInfo(response.getVersionInfo())
              .setResponseNonce(response.getNonce())
              .build());
    }

    DiscoveryResponse awaitResponse(int from, Predicate<DiscoveryResponse> match) {
      return awaitIn(received, from, match);
    }

    @Override
    public void close() throws InterruptedException {
      requests.onCompleted();
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
