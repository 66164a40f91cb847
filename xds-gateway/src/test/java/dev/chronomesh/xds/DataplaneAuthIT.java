package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.auth.DataplaneTokens;
import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import dev.chronomesh.xds.auth.DataplaneTokenInterceptor;
import dev.chronomesh.xds.auth.TestEvents;
import dev.chronomesh.xds.auth.TestEvents.MeshKey;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dataplane-token authentication on a real gateway and broker: keys, dataplanes and revocations are
 * events on the events topic; a proxyless grpc-xds client presents its token through the {@link
 * dev.chronomesh.proxyless.DataplaneTokenCredentialsProvider} channel credentials; raw ADS streams
 * present good and bad tokens in their metadata.
 */
class DataplaneAuthIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();
  private static final Map<String, List<String>> WEB = Map.of("kuma.io/service", List.of("web"));

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
  void onlyValidTokensGetConfigAndTheGatewayStaysHealthy(@TempDir Path dir) throws Exception {
    Topics topics = new Topics("auth.");
    TopicSetup.ensureTopics(
        Map.of("bootstrap.servers", kafka.bootstrapServers()), topics, 2, (short) 1);
    EnvelopeSealer sealer = TestEvents.sealer();
    MeshKey defaultKey = MeshKey.generate("default", sealer);
    MeshKey otherKey = MeshKey.generate("other", sealer);
    DataplaneTokens tokens = new DataplaneTokens(Clock.systemUTC());
    Server backend =
        NettyServerBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    try (Producers producers = new Producers(topics)) {
      producers.event(TestEvents.key(defaultKey));
      producers.event(TestEvents.key(otherKey));
      producers.event(TestEvents.dataplane("default", "web-1", Map.of("kuma.io/service", "web")));
      producers.event(TestEvents.dataplane("default", "web-2", Map.of("kuma.io/service", "web")));
      producers.config(ProxylessConfigs.proxyConfig("default", "web-1", backend.getPort()));
      producers.config(ProxylessConfigs.proxyConfig("default", "web-2", backend.getPort()));

      try (XdsGateway gateway =
          XdsGateway.start(
              new XdsGatewayConfig(
                  "127.0.0.1",
                  0,
                  Map.of("bootstrap.servers", kafka.bootstrapServers()),
                  topics,
                  REGISTRY,
                  XdsGatewayOptions.DEFAULTS.withRequireDataplaneTokens(true)))) {
        await().atMost(WAIT).until(gateway::isReady);
        ManagedChannel plain =
            Grpc.newChannelBuilder(
                    "127.0.0.1:" + gateway.port(), InsecureChannelCredentials.create())
                .build();
        // A proxyless client with a valid token (sent as Bearer) gets its config and calls.
        Path tokenFile = dir.resolve("web-1.token");
        Files.writeString(
            tokenFile,
            tokens.issue(defaultKey.key(), "default", "web-1", WEB, Duration.ofHours(1)) + "\n");
        ManagedChannel proxyless = xdsChannel(gateway.port(), "default.web-1", tokenFile);
        try {
          assertThat(
                  HealthGrpc.newBlockingStub(proxyless)
                      .withWaitForReady()
                      .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                      .check(HealthCheckRequest.getDefaultInstance())
                      .getStatus())
              .isEqualTo(ServingStatus.SERVING);

          // A raw ADS stream with a valid raw token (as Kuma's Envoy bootstrap sends it).
          String web2Token =
              tokens.issue(defaultKey.key(), "default", "web-2", WEB, Duration.ofHours(1));
          AdsStream web2 = AdsStream.open(plain, web2Token, "default.web-2");
          DiscoveryResponse response = web2.next(DiscoveryResponse.class);
          assertThat(response.getResourcesList()).isNotEmpty();

          // Refused: missing, expired, forged, another mesh's token, a token for another node.
          assertRefused(plain, null, "default.web-1", "presented no dataplane token");
          String expired =
              new DataplaneTokens(
                      Clock.fixed(Instant.now().minus(Duration.ofHours(3)), ZoneOffset.UTC))
                  .issue(defaultKey.key(), "default", "web-1", WEB, Duration.ofHours(1));
          assertRefused(plain, expired, "default.web-1", "(EXPIRED)");
          String forged =
              tokens.issue(
                  MeshKey.generate("default", sealer).key(),
                  "default",
                  "web-1",
                  WEB,
                  Duration.ofHours(1));
          assertRefused(plain, "Bearer " + forged, "default.web-1", "(BAD_SIGNATURE)");
          String otherMesh =
              tokens.issue(otherKey.key(), "other", "web-1", WEB, Duration.ofHours(1));
          assertRefused(plain, otherMesh, "default.web-1", "(BAD_SIGNATURE)");
          assertRefused(plain, web2Token, "default.web-1", "(WRONG_NAME)");

          // Revoked: new streams are refused once the revocation event is read, and the open
          // stream is closed at its next request.
          String tokenId =
              tokens
                  .verify(web2Token, defaultKey.key().verifyingKey(), "default", "web-2")
                  .tokenId();
          producers.event(TestEvents.revocation("default", tokenId, "dataplane"));
          await()
              .atMost(WAIT)
              .untilAsserted(
                  () -> assertRefused(plain, web2Token, "default.web-2", tokenId + " is revoked"));
          web2.send(
              request("default.web-2")
                  .setVersionInfo(response.getVersionInfo())
                  .setResponseNonce(response.getNonce())
                  .build());
          StatusRuntimeException closed = web2.next(StatusRuntimeException.class);
          assertThat(closed.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(closed.getStatus().getDescription()).contains("is revoked");

          // Meanwhile the authenticated client keeps working and the gateway stays ready.
          for (int i = 0; i < 3; i++) {
            assertThat(
                    HealthGrpc.newBlockingStub(proxyless)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus())
                .isEqualTo(ServingStatus.SERVING);
          }
          assertThat(gateway.isReady()).isTrue();
          assertThat(
                  HealthGrpc.newBlockingStub(plain)
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .check(HealthCheckRequest.getDefaultInstance())
                      .getStatus())
              .isEqualTo(ServingStatus.SERVING);
        } finally {
          proxyless.shutdownNow();
          plain.shutdownNow();
          proxyless.awaitTermination(10, TimeUnit.SECONDS);
          plain.awaitTermination(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      backend.shutdownNow();
      backend.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static void assertRefused(
      ManagedChannel channel, String authorization, String nodeId, String reason)
      throws InterruptedException {
    AdsStream stream = AdsStream.open(channel, authorization, nodeId);
    try {
      StatusRuntimeException e = stream.next(StatusRuntimeException.class);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getStatus().getDescription()).contains(reason);
    } finally {
      stream.cancel();
    }
  }

  private static DiscoveryRequest.Builder request(String nodeId) {
    return DiscoveryRequest.newBuilder()
        .setNode(Node.newBuilder().setId(nodeId))
        .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL);
  }

  /** A grpc-xds channel whose bootstrap sends the token file's token on the ADS stream. */
  private static ManagedChannel xdsChannel(int gatewayPort, String nodeId, Path tokenFile) {
    return GrpcXdsChannels.toService(
        gatewayPort,
        nodeId,
        Map.of(
            "type",
            dev.chronomesh.proxyless.DataplaneTokenCredentialsProvider.NAME,
            "config",
            Map.of("token_file", tokenFile.toString())));
  }

  /** One SotW ADS stream with an authorization header; what it receives goes to a queue. */
  private static final class AdsStream {
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private StreamObserver<DiscoveryRequest> requests;

    static AdsStream open(ManagedChannel channel, String authorization, String nodeId) {
      AdsStream stream = new AdsStream();
      Metadata headers = new Metadata();
      if (authorization != null) {
        headers.put(DataplaneTokenInterceptor.AUTHORIZATION, authorization);
      }
      stream.requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                      stream.received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      stream.received.add(t);
                    }

                    @Override
                    public void onCompleted() {
                      stream.received.add("completed");
                    }
                  });
      stream.send(request(nodeId).build());
      return stream;
    }

    void send(DiscoveryRequest request) {
      requests.onNext(request);
    }

    <T> T next(Class<T> type) throws InterruptedException {
      Object next = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(next).as("next item on the ADS stream").isInstanceOf(type);
      return type.cast(next);
    }

    void cancel() {
      try {
        requests.onError(Status.CANCELLED.asRuntimeException());
      } catch (RuntimeException e) {
        // already closed
      }
    }
  }

  /** Events (key = mesh) and proxy configs (key = node id), as the services write them. */
  private static final class Producers implements AutoCloseable {
    private final Topics topics;
    private final KafkaProducer<String, ResourceEvent> events;
    private final KafkaProducer<String, ProxyConfig> configs;

    Producers(Topics topics) {
      this.topics = topics;
      Map<String, Object> props =
          Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      this.events =
          new KafkaProducer<>(
              props, new StringSerializer(), AvroSerde.forValues(REGISTRY, ResourceEvent.class));
      this.configs =
          new KafkaProducer<>(
              props, new StringSerializer(), AvroSerde.forValues(REGISTRY, ProxyConfig.class));
    }

    void event(ResourceEvent event) throws Exception {
      events
          .send(new ProducerRecord<>(topics.events(), event.getMesh(), event))
          .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    void config(ProxyConfig config) throws Exception {
      configs
          .send(
              new ProducerRecord<>(
                  topics.proxyConfigs(), config.getMesh() + "." + config.getProxy(), config))
          .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      events.close();
      configs.close();
    }
  }
}
