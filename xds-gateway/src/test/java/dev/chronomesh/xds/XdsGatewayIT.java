package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway against a real broker, with a real grpc-xds client (proxyless gRPC) and raw ADS
 * streams. Each test uses its own topic prefix on one shared broker.
 */
class XdsGatewayIT {
  private static final String NODE = "default.web-1";
  private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(30);

  private static EmbeddedKafka kafka;
  private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();

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
  void grpcXdsClientFollowsConfigChangesAndRemoval() throws Exception {
    Topics topics = newTopics();
    try (HealthBackend first = HealthBackend.start();
        HealthBackend second = HealthBackend.start();
        XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics)) {
      await().atMost(WAIT).until(gateway::isReady);

      // The client connects before its config exists and waits for it.
      ManagedChannel channel = xdsChannel(gateway.port(), NODE);
      try {
        var pending =
            HealthGrpc.newFutureStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        await().atMost(WAIT).until(() -> gateway.snapshots().isWatched(NODE));
        assertThat(gateway.snapshots().get(NODE)).isNull();

        producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", first.port()));

        assertThat(pending.get(WAIT.toSeconds(), TimeUnit.SECONDS).getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThat(first.calls()).isEqualTo(1);
        assertThat(second.calls()).isZero();

        // A new version moves the endpoints; the channel follows without any restart.
        producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", second.port()));
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  check(channel);
                  assertThat(second.calls()).isPositive();
                });
        int firstCalls = first.calls();
        for (int i = 0; i < 3; i++) {
          check(channel);
        }
        assertThat(first.calls()).isEqualTo(firstCalls);

        // The proxy is gone. While it is still connected its snapshot stays (nothing is pushed);
        // the call path keeps working on what the client already has.
        producer.send(NODE, null);
        await().atMost(WAIT).until(() -> gateway.snapshots().isRemovalPending(NODE));
        assertThat(gateway.snapshots().get(NODE)).isNotNull();
        check(channel);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
      // Cleared once its stream has closed.
      await().atMost(WAIT).until(() -> gateway.snapshots().get(NODE) == null);
      assertThat(gateway.snapshots().isRemovalPending(NODE)).isFalse();

      // With nobody connected, a tombstone clears at once.
      producer.send("default.web-2", ProxylessConfigs.proxyConfig("default", "web-2", 1));
      await().atMost(WAIT).until(() -> gateway.snapshots().storedVersion("default.web-2") != null);
      producer.send("default.web-2", null);
      await().atMost(WAIT).until(() -> gateway.snapshots().storedVersion("default.web-2") == null);
      assertThat(gateway.snapshots().isRemovalPending("default.web-2")).isFalse();
    }
  }

  @Test
  void aClientAskingForAListenerBeforeItsNodeHasItGetsItWhenItComes() throws Exception {
    Topics topics = newTopics();
    try (HealthBackend backend = HealthBackend.start();
        XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics)) {
      await().atMost(WAIT).until(gateway::isReady);
      // The client dials before its node has any config (a client started with its dataplane).
      ManagedChannel channel = xdsChannel(gateway.port(), NODE);
      try {
        var pending =
            HealthGrpc.newFutureStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        await().atMost(WAIT).until(() -> gateway.snapshots().isWatched(NODE));
        // The node's first config does not have the listener yet ...
        producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", List.of()));
        await().atMost(WAIT).until(() -> gateway.snapshots().get(NODE) != null);
        // ... the next one has it.
        producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", backend.port()));

        assertThat(pending.get(WAIT.toSeconds(), TimeUnit.SECONDS).getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThat(backend.calls()).isEqualTo(1);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void admissionControlRefusesAStormBeyondItsBurstWithUnavailable() throws Exception {
    Topics topics = newTopics();
    // A burst of 5 and a refill so slow (one per 100 s) that it cannot matter during the test.
    try (XdsGateway gateway =
        XdsGateway.start(
            new XdsGatewayConfig(
                "127.0.0.1",
                0,
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                topics,
                REGISTRY,
                XdsGatewayOptions.DEFAULTS.withAdmission(0.01, 5)))) {
      await().atMost(WAIT).until(gateway::isReady);
      ManagedChannel channel = plainChannel(gateway.port());
      try {
        BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
        List<StreamObserver<DiscoveryRequest>> streams = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          StreamObserver<DiscoveryRequest> requests =
              AggregatedDiscoveryServiceGrpc.newStub(channel)
                  .streamAggregatedResources(collectInto(outcomes));
          requests.onNext(
              DiscoveryRequest.newBuilder()
                  .setNode(Node.newBuilder().setId("default.storm-" + i))
                  .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                  .build());
          streams.add(requests);
        }
        List<Status.Code> refused = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
          Object outcome = outcomes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
          assertThat(outcome).as("refusal %d", i).isInstanceOf(StatusRuntimeException.class);
          refused.add(((StatusRuntimeException) outcome).getStatus().getCode());
        }
        assertThat(refused).containsOnly(Status.Code.UNAVAILABLE);
        // The five admitted streams are open and watched; the gateway still serves health.
        // (Which five is up to the order the server saw the streams start in.)
        await()
            .atMost(WAIT)
            .until(
                () ->
                    java.util.stream.IntStream.range(0, 20)
                            .filter(i -> gateway.snapshots().isWatched("default.storm-" + i))
                            .count()
                        == 5);
        check(channel);
        streams.forEach(StreamObserver::onCompleted);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void onlyConnectedNodesAreInMemoryAndAReconnectingNodeGetsItsLatestConfig() throws Exception {
    Topics topics = newTopics();
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics);
        EndpointsProducer endpoints = new EndpointsProducer(topics)) {
      List<XdsResource> withoutEndpoints =
          ProxylessConfigs.resources(10001).stream()
              .filter(r -> !r.getTypeUrl().equals(Resources.V3.ENDPOINT_TYPE_URL))
              .toList();
      for (int i = 0; i < 20; i++) {
        producer.send(
            "default.idle-" + i,
            ProxylessConfigs.proxyConfig("default", "idle-" + i, withoutEndpoints));
      }
      producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", withoutEndpoints));
      endpoints.send("default", ProxylessConfigs.endpoints(10001), "v1");
      await().atMost(WAIT).until(gateway::isReady);
      await()
          .atMost(WAIT)
          .until(() -> gateway.snapshots().storedVersion("default.idle-19") != null);
      // Stored on disk, nothing decoded in memory: no proxy is connected.
      assertThat(gateway.snapshots().activeNodes()).isZero();
      assertThat(gateway.snapshots().get(NODE)).isNull();
      assertThat(gateway.snapshots().users("default", ProxylessConfigs.SERVICE)).isZero();

      ManagedChannel channel = plainChannel(gateway.port());
      try {
        Node node = Node.newBuilder().setId(NODE).build();
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        StreamObserver<DiscoveryRequest> requests =
            AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(collectInto(received));
        requests.onNext(edsRequest(node));
        assertThat(endpointPort(nextSotw(received))).isEqualTo(10001);
        // Only the connected node is in memory, with the endpoint set its cluster uses.
        assertThat(gateway.snapshots().activeNodes()).isEqualTo(1);
        assertThat(gateway.snapshots().isActive(NODE)).isTrue();
        assertThat(gateway.snapshots().users("default", ProxylessConfigs.SERVICE)).isEqualTo(1);
        requests.onCompleted();

        // Its stream gone, the node leaves memory; its record stays on disk.
        await().atMost(WAIT).until(() -> !gateway.snapshots().isActive(NODE));
        assertThat(gateway.snapshots().get(NODE)).isNull();
        assertThat(gateway.snapshots().users("default", ProxylessConfigs.SERVICE)).isZero();

        // Changes while it is away go to disk only; reconnecting, it gets the latest of them.
        endpoints.send("default", ProxylessConfigs.endpoints(10002), "v2");
        producer.send("default.idle-0", ProxylessConfigs.proxyConfig("default", "idle-0", 10009));
        await()
            .atMost(WAIT)
            .until(
                () ->
                    gateway
                        .snapshots()
                        .storedVersion("default.idle-0")
                        .equals(
                            ProxylessConfigs.proxyConfig("default", "idle-0", 10009).getVersion()));
        assertThat(gateway.snapshots().activeNodes()).isZero();
        BlockingQueue<Object> again = new LinkedBlockingQueue<>();
        StreamObserver<DiscoveryRequest> second =
            AggregatedDiscoveryServiceGrpc.newStub(channel)
                .streamAggregatedResources(collectInto(again));
        second.onNext(edsRequest(node));
        assertThat(endpointPort(nextSotw(again))).isEqualTo(10002);
        second.onCompleted();
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void deltaStreamReceivesOnlyChangedResources() throws Exception {
    Topics topics = newTopics();
    try (XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics)) {
      producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", 10001));
      await().atMost(WAIT).until(() -> gateway.snapshots().storedVersion(NODE) != null);

      ManagedChannel channel = plainChannel(gateway.port());
      BlockingQueue<Object> received = new LinkedBlockingQueue<>();
      StreamObserver<DeltaDiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .deltaAggregatedResources(collectInto(received));
      try {
        Node node = Node.newBuilder().setId(NODE).build();
        requests.onNext(
            DeltaDiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                .build());
        DeltaDiscoveryResponse clusters = nextDelta(received);
        assertThat(clusters.getTypeUrl()).isEqualTo(Resources.V3.CLUSTER_TYPE_URL);
        assertThat(clusters.getResourcesList())
            .singleElement()
            .satisfies(r -> assertThat(r.getName()).isEqualTo("backend"));
        requests.onNext(ack(node, clusters));

        requests.onNext(
            DeltaDiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
                .addResourceNamesSubscribe("backend")
                .build());
        DeltaDiscoveryResponse endpoints = nextDelta(received);
        assertThat(endpoints.getTypeUrl()).isEqualTo(Resources.V3.ENDPOINT_TYPE_URL);
        assertThat(endpointPort(endpoints)).isEqualTo(10001);
        requests.onNext(ack(node, endpoints));

        // Only the endpoints change: only EDS is pushed. Responses of one update go out in
        // cluster, endpoint order, so a CDS push would have arrived before this one.
        producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", 10002));
        DeltaDiscoveryResponse moved = nextDelta(received);
        assertThat(moved.getTypeUrl()).isEqualTo(Resources.V3.ENDPOINT_TYPE_URL);
        assertThat(endpointPort(moved)).isEqualTo(10002);
        requests.onNext(ack(node, moved));

        // A cluster change after that is the next thing on the stream: no stale CDS push was
        // queued in between.
        Cluster changed =
            ProxylessConfigs.cluster().toBuilder()
                .setConnectTimeout(Duration.newBuilder().setSeconds(7))
                .build();
        List<XdsResource> resources = new ArrayList<>(ProxylessConfigs.resources(10002));
        resources.removeIf(r -> r.getTypeUrl().equals(Resources.V3.CLUSTER_TYPE_URL));
        resources.add(ProxylessConfigs.resource(Resources.V3.CLUSTER_TYPE_URL, "backend", changed));
        producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", resources));
        DeltaDiscoveryResponse clusterChange = nextDelta(received);
        assertThat(clusterChange.getTypeUrl()).isEqualTo(Resources.V3.CLUSTER_TYPE_URL);
        assertThat(clusterChange.getResources(0).getResource().unpack(Cluster.class))
            .isEqualTo(changed);
        requests.onNext(ack(node, clusterChange));
        assertThat(received).isEmpty();
      } finally {
        requests.onCompleted();
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void malformedRecordsAreSkippedAndGatewayKeepsServing() throws Exception {
    Topics topics = newTopics();
    AvroSerde<ProxyConfig> serde = AvroSerde.forValues(REGISTRY, ProxyConfig.class);
    String topic = topics.proxyConfigs();
    ProxyConfig web1 = ProxylessConfigs.proxyConfig("default", "web-1", 10001);
    List<XdsResource> badBytes = new ArrayList<>(ProxylessConfigs.resources(10001));
    badBytes.add(
        ProxylessConfigs.resource(
            Resources.V3.ROUTE_TYPE_URL,
            "broken",
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
    try (KafkaProducer<byte[], byte[]> raw =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics)) {
      // Not in the wire format at all.
      raw.send(new ProducerRecord<>(topic, bytes("default.bad"), bytes("not avro"))).get();
      // Key and value disagree about the proxy.
      raw.send(new ProducerRecord<>(topic, bytes("default.other"), serde.serialize(topic, web1)))
          .get();
      // A resource that is not a serialized RouteConfiguration.
      ProxyConfig broken = ProxylessConfigs.proxyConfig("default", "web-1", badBytes);
      raw.send(new ProducerRecord<>(topic, bytes(NODE), serde.serialize(topic, broken))).get();
      // A key that is no node id.
      raw.send(new ProducerRecord<>(topic, bytes("no-dot"), serde.serialize(topic, web1))).get();
      producer.send("default.web-2", ProxylessConfigs.proxyConfig("default", "web-2", 10002));

      try (XdsGateway gateway = startGateway(topics)) {
        await().atMost(WAIT).until(gateway::isReady);
        assertThat(gateway.snapshots().storedVersion("default.web-2")).isNotNull();
        assertThat(gateway.snapshots().storedVersion("default.bad")).isNull();
        assertThat(gateway.snapshots().storedVersion("default.other")).isNull();
        assertThat(gateway.snapshots().storedVersion("no-dot")).isNull();
        // Nobody is connected for web-1: only the envelope of its record is read, and it is fine.
        // Its resources are checked when a proxy of it connects (below).
        assertThat(gateway.snapshots().storedVersion(NODE)).isEqualTo(broken.getVersion());

        // Garbage arriving while serving is skipped too; later records still apply.
        raw.send(new ProducerRecord<>(topic, bytes("default.web-3"), new byte[] {0, 0, 0, 0, 9}))
            .get();
        producer.send("default.web-3", ProxylessConfigs.proxyConfig("default", "web-3", 10003));
        await()
            .atMost(WAIT)
            .until(() -> gateway.snapshots().storedVersion("default.web-3") != null);
        assertThat(gateway.isReady()).isTrue();

        ManagedChannel channel = plainChannel(gateway.port());
        try {
          HealthCheckResponse health =
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                  .check(
                      HealthCheckRequest.newBuilder()
                          .setService(AggregatedDiscoveryServiceGrpc.SERVICE_NAME)
                          .build());
          assertThat(health.getStatus()).isEqualTo(ServingStatus.SERVING);

          BlockingQueue<Object> received = new LinkedBlockingQueue<>();
          StreamObserver<DiscoveryRequest> requests =
              AggregatedDiscoveryServiceGrpc.newStub(channel)
                  .streamAggregatedResources(collectInto(received));
          requests.onNext(
              DiscoveryRequest.newBuilder()
                  .setNode(Node.newBuilder().setId("default.web-3"))
                  .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
                  .addResourceNames("backend")
                  .build());
          Object response = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
          assertThat(response).isInstanceOf(DiscoveryResponse.class);
          ClusterLoadAssignment cla =
              ((DiscoveryResponse) response).getResources(0).unpack(ClusterLoadAssignment.class);
          assertThat(cla).isEqualTo(ProxylessConfigs.endpoints(10003));
          requests.onCompleted();

          // web-1's record does not decode: its proxy is served nothing (as if it had no config)
          // until a record that decodes comes.
          StreamObserver<DiscoveryRequest> web1Stream =
              AggregatedDiscoveryServiceGrpc.newStub(channel)
                  .streamAggregatedResources(collectInto(new LinkedBlockingQueue<>()));
          web1Stream.onNext(edsRequest(Node.newBuilder().setId(NODE).build()));
          await().atMost(WAIT).until(() -> gateway.snapshots().isActive(NODE));
          assertThat(gateway.snapshots().get(NODE)).isNull();
          producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", 10001));
          await().atMost(WAIT).until(() -> gateway.snapshots().get(NODE) != null);
          web1Stream.onCompleted();
        } finally {
          channel.shutdownNow();
          channel.awaitTermination(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void sharedEndpointSetsReachTheProxiesWhoseClustersUseThem() throws Exception {
    Topics topics = newTopics();
    try (HealthBackend first = HealthBackend.start();
        HealthBackend second = HealthBackend.start();
        XdsGateway gateway = startGateway(topics);
        ConfigProducer producer = new ConfigProducer(kafka, REGISTRY, topics);
        EndpointsProducer endpoints = new EndpointsProducer(topics)) {
      await().atMost(WAIT).until(gateway::isReady);
      // The proxy config without its ClusterLoadAssignment: that comes from the endpoints topic.
      List<XdsResource> withoutEndpoints =
          ProxylessConfigs.resources(first.port()).stream()
              .filter(r -> !r.getTypeUrl().equals(Resources.V3.ENDPOINT_TYPE_URL))
              .toList();
      producer.send(NODE, ProxylessConfigs.proxyConfig("default", "web-1", withoutEndpoints));
      endpoints.send("default", ProxylessConfigs.endpoints(first.port()), "v1");

      ManagedChannel channel = xdsChannel(gateway.port(), NODE);
      try {
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> check(channel));
        assertThat(first.calls()).isPositive();
        assertThat(gateway.snapshots().users("default", ProxylessConfigs.SERVICE)).isEqualTo(1);
        String clustersVersion =
            gateway.snapshots().get(NODE).version(Resources.V3.CLUSTER_TYPE_URL);
        String endpointsVersion =
            gateway.snapshots().get(NODE).version(Resources.V3.ENDPOINT_TYPE_URL);

        // A new endpoint set moves the calls; the node's other resources keep their version.
        endpoints.send("default", ProxylessConfigs.endpoints(second.port()), "v2");
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  check(channel);
                  assertThat(second.calls()).isPositive();
                });
        assertThat(gateway.snapshots().get(NODE).version(Resources.V3.CLUSTER_TYPE_URL))
            .isEqualTo(clustersVersion);
        assertThat(gateway.snapshots().get(NODE).version(Resources.V3.ENDPOINT_TYPE_URL))
            .isNotEqualTo(endpointsVersion);

        // Endpoint sets of another mesh with the same cluster name do not leak in.
        endpoints.send("other", ProxylessConfigs.endpoints(first.port()), "v3");
        int firstCalls = first.calls();
        for (int i = 0; i < 3; i++) {
          check(channel);
        }
        assertThat(first.calls()).isEqualTo(firstCalls);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  // ---- helpers ----

  private static Topics newTopics() {
    return TestGateways.newTopics(kafka, "it");
  }

  private static XdsGateway startGateway(Topics topics) {
    return TestGateways.start(kafka, topics, REGISTRY);
  }

  private static ManagedChannel xdsChannel(int gatewayPort, String nodeId) {
    return GrpcXdsChannels.toService(gatewayPort, nodeId);
  }

  private static ManagedChannel plainChannel(int port) {
    return Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
  }

  private static void check(ManagedChannel channel) {
    HealthCheckResponse response =
        HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
    assertThat(response.getStatus()).isEqualTo(ServingStatus.SERVING);
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

  private static DeltaDiscoveryResponse nextDelta(BlockingQueue<Object> received)
      throws InterruptedException {
    Object next = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(next).as("next delta response").isInstanceOf(DeltaDiscoveryResponse.class);
    return (DeltaDiscoveryResponse) next;
  }

  private static DiscoveryRequest edsRequest(Node node) {
    return DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
        .addResourceNames(ProxylessConfigs.SERVICE)
        .build();
  }

  private static DiscoveryResponse nextSotw(BlockingQueue<Object> received)
      throws InterruptedException {
    Object next = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(next).as("next response").isInstanceOf(DiscoveryResponse.class);
    return (DiscoveryResponse) next;
  }

  private static int endpointPort(DiscoveryResponse response)
      throws InvalidProtocolBufferException {
    assertThat(response.getResourcesList()).hasSize(1);
    return response
        .getResources(0)
        .unpack(ClusterLoadAssignment.class)
        .getEndpoints(0)
        .getLbEndpoints(0)
        .getEndpoint()
        .getAddress()
        .getSocketAddress()
        .getPortValue();
  }

  private static DeltaDiscoveryRequest ack(Node node, DeltaDiscoveryResponse response) {
    return DeltaDiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(response.getTypeUrl())
        .setResponseNonce(response.getNonce())
        .build();
  }

  private static int endpointPort(DeltaDiscoveryResponse response)
      throws InvalidProtocolBufferException {
    assertThat(response.getResourcesList()).hasSize(1);
    ClusterLoadAssignment cla =
        response.getResources(0).getResource().unpack(ClusterLoadAssignment.class);
    return cla.getEndpoints(0)
        .getLbEndpoints(0)
        .getEndpoint()
        .getAddress()
        .getSocketAddress()
        .getPortValue();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Writes endpoint sets the way the projector does: transactionally, key mesh/cluster. */
  private static final class EndpointsProducer implements AutoCloseable {
    private final String topic;
    private final KafkaProducer<String, ClusterEndpoints> producer;

    EndpointsProducer(Topics topics) {
      this.topic = topics.endpoints();
      this.producer =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  kafka.bootstrapServers(),
                  ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                  "xds-gateway-it-" + topic),
              new StringSerializer(),
              AvroSerde.forValues(REGISTRY, ClusterEndpoints.class));
      producer.initTransactions();
    }

    void send(String mesh, ClusterLoadAssignment cla, String version) {
      ClusterEndpoints value =
          ClusterEndpoints.newBuilder()
              .setMesh(mesh)
              .setCluster(cla.getClusterName())
              .setVersion(version)
              .setLoadAssignment(java.nio.ByteBuffer.wrap(cla.toByteArray()))
              .build();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, mesh + "/" + cla.getClusterName(), value));
      producer.commitTransaction();
    }

    @Override
    public void close() {
      producer.close();
    }
  }
}
