package dev.chronomesh.benchmarks.baseline;

import static dev.chronomesh.benchmarks.baseline.TestEvents.dataplane;
import static dev.chronomesh.benchmarks.baseline.TestEvents.mesh;
import static dev.chronomesh.benchmarks.baseline.TestEvents.meshTimeout;
import static dev.chronomesh.benchmarks.baseline.TestEvents.upserted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The baseline against a real broker and real ADS streams. */
class BaselineControlPlaneIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  @Test
  void servesEveryProxyFromTheEventsTopicAndPushesChanges() throws Exception {
    Topics topics = new Topics("baseline-it.");
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(client, topics, 2, (short) 1);
      try (KafkaProducer<String, ResourceEvent> producer =
          new KafkaProducer<>(
              client,
              new StringSerializer(),
              AvroSerde.forValues(registry, ResourceEvent.class).serializer())) {
        send(producer, topics, upserted(mesh("default")));
        send(
            producer,
            topics,
            upserted(dataplane("default", "backend-1", "10.0.0.1", "backend", Map.of())));
        send(
            producer,
            topics,
            upserted(dataplane("default", "web-1", "10.0.0.3", "web", Map.of("backend", 10001))));
        // Bytes that are no ResourceEvent: skipped, as the projector dead-letters them.
        try (KafkaProducer<String, byte[]> raw =
            new KafkaProducer<>(
                client,
                new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
          raw.send(new ProducerRecord<>(topics.events(), "default", new byte[] {1, 2, 3})).get();
        }

        try (BaselineControlPlane plane =
            BaselineControlPlane.start(
                new BaselineConfig("127.0.0.1", 0, client, topics.events(), registry, 0))) {
          assertThat(plane.awaitReady(Duration.ofSeconds(60))).isTrue();
          // Caught up: one full regeneration of the one mesh, both proxies.
          assertThat(plane.regenerations()).isEqualTo(1);
          assertThat(plane.generatedConfigs()).isEqualTo(2);
          assertThat(plane.skippedEvents()).isEqualTo(1);
          assertThat(httpStatus(plane.httpPort(), "/readyz")).isEqualTo(200);

          ManagedChannel channel =
              NettyChannelBuilder.forAddress("127.0.0.1", plane.port()).usePlaintext().build();
          try {
            sotw(channel, plane, producer, topics);
            delta(channel);
          } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
          }
          assertThat(httpBody(plane.httpPort(), "/metrics"))
              .contains("chronomesh_baseline_regenerations_total");
        }
      }
    }
  }

  /** A state-of-the-world stream of web-1: CDS, EDS, then an endpoint and a timeout change. */
  private void sotw(
      ManagedChannel channel,
      BaselineControlPlane plane,
      KafkaProducer<String, ResourceEvent> producer,
      Topics topics)
      throws Exception {
    Node node = Node.newBuilder().setId("default.web-1").build();
    BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    StreamObserver<DiscoveryRequest> out =
        AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(collect(in));
    try {
      out.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
      DiscoveryResponse cds = next(in, DiscoveryResponse.class);
      assertThat(cds.getTypeUrl()).isEqualTo(CDS);
      Cluster backend = cluster(cds, "backend");
      assertThat(backend.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
      out.onNext(ack(node, cds, List.of()));
      String edsName =
          backend.getEdsClusterConfig().getServiceName().isEmpty()
              ? backend.getName()
              : backend.getEdsClusterConfig().getServiceName();
      out.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(EDS)
              .addResourceNames(edsName)
              .build());
      DiscoveryResponse eds = next(in, DiscoveryResponse.class);
      assertThat(eds.getTypeUrl()).isEqualTo(EDS);
      assertThat(endpointCount(eds)).isEqualTo(1);
      out.onNext(ack(node, eds, List.of(edsName)));

      // A second backend instance: one more regeneration, new endpoints pushed.
      long before = plane.regenerations();
      send(
          producer,
          topics,
          upserted(dataplane("default", "backend-2", "10.0.0.2", "backend", Map.of())));
      DiscoveryResponse eds2 = next(in, DiscoveryResponse.class);
      assertThat(eds2.getTypeUrl()).isEqualTo(EDS);
      assertThat(endpointCount(eds2)).isEqualTo(2);
      out.onNext(ack(node, eds2, List.of(edsName)));
      await().atMost(WAIT).until(() -> plane.regenerations() > before);

      // A MeshTimeout to backend: the clusters change.
      send(producer, topics, upserted(meshTimeout("default", "timeout", "backend", "7s")));
      DiscoveryResponse cds2 = next(in, DiscoveryResponse.class);
      assertThat(cds2.getTypeUrl()).isEqualTo(CDS);
      assertThat(cds2.getVersionInfo()).isNotEqualTo(cds.getVersionInfo());
      assertThat(cluster(cds2, "backend").getConnectTimeout().getSeconds()).isEqualTo(7);
      out.onNext(ack(node, cds2, List.of()));
    } finally {
      out.onCompleted();
    }
  }

  /** A delta stream of backend-2 (created by the SotW part) subscribing to every cluster. */
  private void delta(ManagedChannel channel) throws Exception {
    Node node = Node.newBuilder().setId("default.backend-2").build();
    BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    StreamObserver<DeltaDiscoveryRequest> out =
        AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(collect(in));
    try {
      out.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
      DeltaDiscoveryResponse response = next(in, DeltaDiscoveryResponse.class);
      assertThat(response.getTypeUrl()).isEqualTo(CDS);
      assertThat(response.getResourcesList()).isNotEmpty();
      out.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(CDS)
              .setResponseNonce(response.getNonce())
              .build());
    } finally {
      out.onCompleted();
    }
  }

  private static <T> StreamObserver<T> collect(BlockingQueue<Object> in) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        in.add(value);
      }

      @Override
      public void onError(Throwable t) {
        in.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static <T> T next(BlockingQueue<Object> in, Class<T> type) throws Exception {
    Object o = in.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(o).as("a response within %s", WAIT).isNotNull();
    if (o instanceof Throwable t) {
      throw new AssertionError("the stream failed", t);
    }
    return type.cast(o);
  }

  private static DiscoveryRequest ack(Node node, DiscoveryResponse response, List<String> names) {
    return DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(response.getTypeUrl())
        .setVersionInfo(response.getVersionInfo())
        .setResponseNonce(response.getNonce())
        .addAllResourceNames(names)
        .build();
  }

  private static Cluster cluster(DiscoveryResponse response, String name)
      throws InvalidProtocolBufferException {
    List<String> names = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      Cluster c = any.unpack(Cluster.class);
      if (c.getName().equals(name)) {
        return c;
      }
      names.add(c.getName());
    }
    throw new AssertionError("no cluster " + name + " in " + names);
  }

  private static int endpointCount(DiscoveryResponse response)
      throws InvalidProtocolBufferException {
    int n = 0;
    for (Any any : response.getResourcesList()) {
      ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
      n += cla.getEndpointsList().stream().mapToInt(l -> l.getLbEndpointsCount()).sum();
    }
    return n;
  }

  private static void send(
      KafkaProducer<String, ResourceEvent> producer, Topics topics, ResourceEvent event)
      throws Exception {
    producer.send(new ProducerRecord<>(topics.events(), event.getMesh(), event)).get();
  }

  private static int httpStatus(int port, String path) throws Exception {
    return get(port, path).statusCode();
  }

  private static String httpBody(int port, String path) throws Exception {
    return get(port, path).body();
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }
}
