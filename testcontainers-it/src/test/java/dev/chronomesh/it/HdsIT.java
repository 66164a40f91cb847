package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.launcher.ChronomeshStack;
import dev.chronomesh.xds.XdsGateway;
import dev.chronomesh.xds.XdsGatewayConfig;
import dev.chronomesh.xds.XdsGatewayOptions;
import dev.chronomesh.xds.hds.HealthChecks;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.health.v3.Capability;
import io.envoyproxy.envoy.service.health.v3.ClusterEndpointsHealth;
import io.envoyproxy.envoy.service.health.v3.ClusterHealthCheck;
import io.envoyproxy.envoy.service.health.v3.EndpointHealth;
import io.envoyproxy.envoy.service.health.v3.EndpointHealthResponse;
import io.envoyproxy.envoy.service.health.v3.HealthCheckRequest;
import io.envoyproxy.envoy.service.health.v3.HealthCheckRequestOrEndpointHealthResponse;
import io.envoyproxy.envoy.service.health.v3.HealthCheckSpecifier;
import io.envoyproxy.envoy.service.health.v3.HealthDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.health.v3.LocalityEndpointsHealth;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kuma's service probes on the whole stack, with an HDS client speaking as kuma-dp's Envoy does
 * (its bootstrap's {@code hds_config}: the ADS cluster, the token in {@code authorization}, the
 * node on the first message only): the proxy gets a TCP check of the application behind each
 * inbound with a {@code serviceProbe}, and its reports set the inbound's state through the write
 * path (actor the dataplane), which the callers' endpoints follow. A changed probe reaches the
 * proxy at the next refresh; a stream without the node's token is refused. No Envoy runs here: the
 * client sends the reports Envoy would.
 */
class HdsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path dataDir;
  static ChronomeshStack stack;
  static Rest admin;
  static KafkaSchemaRegistry registry;
  static XdsGateway gateway;

  @BeforeAll
  static void start() {
    stack = LoopbackStack.start(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
    Map<String, Object> kafka =
        Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    registry = KafkaSchemaRegistry.start(kafka, Topics.defaults().schemas());
    // A gateway of the test's own, refreshing every half second (Kuma: 10 s).
    gateway =
        XdsGateway.start(
            new XdsGatewayConfig(
                "127.0.0.1",
                0,
                kafka,
                Topics.defaults(),
                registry,
                XdsGatewayOptions.DEFAULTS
                    .withRequireDataplaneTokens(true)
                    .withCacheDir(dataDir)
                    .withKumaDpBootstrap(true, null)
                    .withHds(
                        new HealthChecks.Settings(
                            Duration.ofSeconds(1),
                            Duration.ofMillis(500),
                            Duration.ofSeconds(2),
                            Duration.ofSeconds(1),
                            Duration.ofSeconds(1),
                            1,
                            1))));
    await().atMost(Duration.ofSeconds(60)).until(gateway::isReady);
    put("/meshes/probes", "type: Mesh\nname: probes\n");
    put("/meshes/probes/dataplanes/web-1", web(1));
    put(
        "/meshes/probes/dataplanes/client-1",
        """
        type: Dataplane
        mesh: probes
        name: client-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: 9000
            tags: {kuma.io/service: client}
          outbound:
          - port: 10001
            tags: {kuma.io/service: web}
        """);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void probesSetTheInboundsReadinessThroughTheWritePathAndTheCallersFollow() throws Exception {
    String token = XdsClients.dataplaneToken(admin, "probes", "web-1", "web");
    try (HdsStream hds = HdsStream.open(gateway.port(), token)) {
      hds.send(hello("probes.web-1"));
      HealthCheckSpecifier checks = hds.awaitChecks(c -> c.getClusterHealthChecksCount() == 2);
      ClusterHealthCheck app = checks.getClusterHealthChecks(1);
      assertThat(app.getClusterName()).isEqualTo("localhost:18080");
      assertThat(app.getHealthChecks(0).hasTcpHealthCheck()).isTrue();
      assertThat(app.getHealthChecks(0).getInterval().getSeconds()).isEqualTo(1);
      assertThat(app.getLocalityEndpoints(0).getEndpoints(0).getAddress().getSocketAddress())
          .satisfies(
              a -> {
                assertThat(a.getAddress()).isEqualTo("127.0.0.5");
                assertThat(a.getPortValue()).isEqualTo(18080);
              });
      await("client-1 has web-1's endpoint")
          .atMost(Duration.ofSeconds(60))
          .until(() -> clientEndpoints().contains("127.0.0.5"));

      hds.send(report(HealthStatus.UNHEALTHY));
      await("web-1's inbound not ready")
          .atMost(Duration.ofSeconds(30))
          .until(() -> "NotReady".equals(inboundState()));
      assertThat(lastEvent().path("actor").asText()).isEqualTo("dataplane:probes.web-1");
      await("client-1 lost web-1's endpoint")
          .atMost(Duration.ofSeconds(60))
          .until(() -> !clientEndpoints().contains("127.0.0.5"));

      hds.send(report(HealthStatus.HEALTHY));
      await("web-1's inbound ready again")
          .atMost(Duration.ofSeconds(30))
          .until(() -> "Ready".equals(inboundState()));
      await("client-1 has web-1's endpoint again")
          .atMost(Duration.ofSeconds(60))
          .until(() -> clientEndpoints().contains("127.0.0.5"));

      // A changed probe reaches the proxy at the next refresh.
      put("/meshes/probes/dataplanes/web-1", web(3));
      hds.awaitChecks(
          c ->
              c.getClusterHealthChecksCount() == 2
                  && c.getClusterHealthChecks(1).getHealthChecks(0).getInterval().getSeconds()
                      == 3);
      assertThat(hds.ended()).isNull();
    }
  }

  @Test
  void aStreamWithoutTheNodesTokenIsRefused() throws Exception {
    String other = XdsClients.dataplaneToken(admin, "probes", "client-1", "client");
    for (String token : List.of("", other)) {
      try (HdsStream hds = HdsStream.open(gateway.port(), token)) {
        hds.send(hello("probes.web-1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> hds.ended() != null);
        assertThat(Status.fromThrowable(hds.ended()).getCode())
            .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(hds.received()).isEmpty();
      }
    }
  }

  private static String web(int intervalSeconds) {
    return """
        type: Dataplane
        mesh: probes
        name: web-1
        networking:
          address: 127.0.0.5
          inbound:
          - port: 8080
            servicePort: 18080
            serviceProbe:
              interval: %ds
              tcp: {}
            tags: {kuma.io/service: web}
        """
        .formatted(intervalSeconds);
  }

  private static HealthCheckRequestOrEndpointHealthResponse hello(String nodeId) {
    return HealthCheckRequestOrEndpointHealthResponse.newBuilder()
        .setHealthCheckRequest(
            HealthCheckRequest.newBuilder()
                .setNode(Node.newBuilder().setId(nodeId).setUserAgentName("envoy"))
                .setCapability(
                    Capability.newBuilder().addHealthCheckProtocols(Capability.Protocol.TCP)))
        .build();
  }

  /** A report as Envoy sends it: Envoy itself healthy, the application {@code app}. */
  private static HealthCheckRequestOrEndpointHealthResponse report(HealthStatus app) {
    return HealthCheckRequestOrEndpointHealthResponse.newBuilder()
        .setEndpointHealthResponse(
            EndpointHealthResponse.newBuilder()
                .addClusterEndpointsHealth(cluster("kuma:envoy:admin", HealthStatus.HEALTHY))
                .addClusterEndpointsHealth(cluster("localhost:18080", app)))
        .build();
  }

  private static ClusterEndpointsHealth cluster(String name, HealthStatus status) {
    return ClusterEndpointsHealth.newBuilder()
        .setClusterName(name)
        .addLocalityEndpointsHealth(
            LocalityEndpointsHealth.newBuilder()
                .addEndpointsHealth(EndpointHealth.newBuilder().setHealthStatus(status)))
        .build();
  }

  private static String inboundState() throws Exception {
    JsonNode dp = JSON.readTree(admin.get("/meshes/probes/dataplanes/web-1").body());
    JsonNode state = dp.path("networking").path("inbound").path(0).path("state");
    return state.isMissingNode() ? "Ready" : state.asText();
  }

  private static String clientEndpoints() throws Exception {
    var response = admin.get("/meshes/probes/dataplanes/client-1/_config");
    if (response.statusCode() != 200) {
      return "";
    }
    return JSON.readTree(response.body()).path("resources").path("endpoints").toString();
  }

  private static JsonNode lastEvent() throws Exception {
    JsonNode items =
        JSON.readTree(admin.get("/events?mesh=probes&type=Dataplane&size=1000").body())
            .path("items");
    JsonNode last = null;
    for (JsonNode item : items) {
      if ("web-1".equals(item.path("name").asText())) {
        last = item;
      }
    }
    assertThat(last).as("an event of web-1").isNotNull();
    return last;
  }

  private static void put(String path, String yaml) {
    var response = admin.putYaml(path, yaml);
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }

  /** One HDS stream as Envoy opens it, keeping what it receives and why it ended. */
  private static final class HdsStream implements AutoCloseable {
    private final ManagedChannel channel;
    private final List<HealthCheckSpecifier> received = new CopyOnWriteArrayList<>();
    private final StreamObserver<HealthCheckRequestOrEndpointHealthResponse> requests;
    private volatile Throwable ended;

    private HdsStream(ManagedChannel channel, String token) {
      this.channel = channel;
      Metadata headers = new Metadata();
      if (!token.isEmpty()) {
        headers.put(AUTHORIZATION, token);
      }
      this.requests =
          HealthDiscoveryServiceGrpc.newStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .streamHealthCheck(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckSpecifier value) {
                      received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      ended = t;
                    }

                    @Override
                    public void onCompleted() {
                      ended = new StatusRuntimeException(Status.OK);
                    }
                  });
    }

    static HdsStream open(int port, String token) {
      return new HdsStream(
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(), token);
    }

    synchronized void send(HealthCheckRequestOrEndpointHealthResponse message) {
      requests.onNext(message);
    }

    HealthCheckSpecifier awaitChecks(java.util.function.Predicate<HealthCheckSpecifier> test) {
      return await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> received.isEmpty() ? null : received.get(received.size() - 1),
              c -> c != null && test.test(c));
    }

    List<HealthCheckSpecifier> received() {
      return received;
    }

    Throwable ended() {
      return ended;
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
