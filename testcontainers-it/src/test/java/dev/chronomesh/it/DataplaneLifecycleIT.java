package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.launcher.ChronomeshStack;
import dev.chronomesh.xds.XdsGateway;
import dev.chronomesh.xds.XdsGatewayConfig;
import dev.chronomesh.xds.XdsGatewayOptions;
import dev.chronomesh.xds.lifecycle.DataplaneLifecycle;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kuma's dataplane lifecycle on the whole stack: a proxy that carries its Dataplane in its node
 * metadata (as kuma-dp's bootstrap puts it) registers it through the write path when its ADS stream
 * connects, with itself as the actor; it is deleted after the deregistration delay once the proxy
 * is gone, unless the proxy reconnected to another gateway meanwhile; a Dataplane applied through
 * the API is never deleted so; and the cleanup removes a dataplane offline longer than its age.
 * Besides the stack's gateway (Kuma's 10 s delay), the test runs gateways of its own with short
 * delays and ages.
 */
class DataplaneLifecycleIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DELAY = Duration.ofSeconds(2);

  @TempDir static Path dataDir;
  static ChronomeshStack stack;
  static Rest admin;
  static KafkaSchemaRegistry registry;
  static XdsGateway quick;
  static final List<AutoCloseable> closeLast = new ArrayList<>();

  @BeforeAll
  static void start() {
    stack = LoopbackStack.start(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
    Map<String, Object> kafka =
        Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    registry = KafkaSchemaRegistry.start(kafka, Topics.defaults().schemas());
    quick = gateway(new DataplaneLifecycle.Settings(DELAY, Duration.ofHours(1)));
    put("/meshes/life", "type: Mesh\nname: life\n");
    XdsClients.putBackend(admin, "life");
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : closeLast.reversed()) {
      c.close();
    }
    if (quick != null) {
      quick.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aCarriedDataplaneIsRegisteredByItsProxyAndDeregisteredAfterTheDelay() throws Exception {
    String token = XdsClients.dataplaneToken(admin, "life", "web-1", "web");
    try (EnvoyAdsClient envoy = connect(quick, "web-1", token, carried("web-1", "web"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> exists("web-1"));
      assertThat(lastEvent("web-1").path("actor").asText()).isEqualTo("dataplane:life.web-1");
      assertThat(lastEvent("web-1").path("kind").asText()).isEqualTo("UPSERTED");
      // Registered, its config follows as for any dataplane.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> envoy.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> !exists("web-1"));
    assertThat(lastEvent("web-1").path("actor").asText()).isEqualTo("dataplane:life.web-1");
    assertThat(lastEvent("web-1").path("kind").asText()).isEqualTo("DELETED");
  }

  @Test
  void aProxyThatReconnectsToAnotherGatewayWithinTheDelayKeepsItsDataplane() throws Exception {
    String token = XdsClients.dataplaneToken(admin, "life", "web-2", "web");
    Struct metadata = carried("web-2", "web");
    EnvoyAdsClient first = connect(quick, "web-2", token, metadata);
    await().atMost(Duration.ofSeconds(30)).until(() -> exists("web-2"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> first.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
    String[] stackGateway = stack.xdsAddress().split(":");
    EnvoyAdsClient second =
        EnvoyAdsClient.open(
            NettyChannelBuilder.forAddress(stackGateway[0], Integer.parseInt(stackGateway[1]))
                .usePlaintext()
                .build(),
            node("web-2", metadata),
            token,
            false,
            List.of());
    closeLast.add(second);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> second.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
    first.close();
    // Well past the quick gateway's delay, the dataplane is still there.
    await()
        .during(DELAY.multipliedBy(3))
        .atMost(DELAY.multipliedBy(5))
        .until(() -> exists("web-2"));
    assertThat(lastEvent("web-2").path("kind").asText()).isEqualTo("UPSERTED");
  }

  @Test
  void aChangedCarriedDataplaneUpdatesTheRegisteredOne() throws Exception {
    String token = XdsClients.dataplaneToken(admin, "life", "web-5", "web");
    try (EnvoyAdsClient envoy = connect(quick, "web-5", token, carried("web-5", "web"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> exists("web-5"));
    }
    // kuma-dp restarted with a changed --dataplane-file, before the delay ran out.
    Struct changed = carriedWithTags("web-5", "{\"kuma.io/service\":\"web\",\"version\":\"v2\"}");
    try (EnvoyAdsClient envoy = connect(quick, "web-5", token, changed)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  admin.get("/meshes/life/dataplanes/web-5").body().contains("v2")
                      && envoy.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
      assertThat(lastEvent("web-5").path("actor").asText()).isEqualTo("dataplane:life.web-5");
      assertThat(lastEvent("web-5").path("kind").asText()).isEqualTo("UPSERTED");
    }
  }

  @Test
  void aDataplaneAppliedThroughTheApiIsNeverDeregistered() throws Exception {
    put(
        "/meshes/life/dataplanes/web-3",
        """
        type: Dataplane
        mesh: life
        name: web-3
        networking:
          address: 127.0.0.1
          inbound:
          - port: 8080
            tags: {kuma.io/service: web}
          outbound:
          - port: 10001
            tags: {kuma.io/service: backend}
        """);
    String token = XdsClients.dataplaneToken(admin, "life", "web-3", "web");
    try (EnvoyAdsClient envoy = connect(quick, "web-3", token, carried("web-3", "web"))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> envoy.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
    }
    await()
        .during(DELAY.multipliedBy(3))
        .atMost(DELAY.multipliedBy(5))
        .until(() -> exists("web-3"));
    assertThat(lastEvent("web-3").path("actor").asText()).doesNotStartWith("dataplane:");
  }

  @Test
  void aCarriedDataplaneTheTokenDoesNotAllowOrThatIsInvalidIsRefusedAndNotRegistered()
      throws Exception {
    String token = XdsClients.dataplaneToken(admin, "life", "web-4", "web");
    try (EnvoyAdsClient envoy = connect(quick, "web-4", token, carried("web-4", "payments"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> envoy.ended() != null);
      assertThat(Status.fromThrowable(envoy.ended()).getDescription())
          .contains("tag kuma.io/service=payments is not allowed by the token");
    }
    Struct invalid =
        Struct.newBuilder()
            .putFields(
                "dataplane.resource",
                Value.newBuilder()
                    .setStringValue("{\"type\":\"Dataplane\",\"networking\":{}}")
                    .build())
            .build();
    try (EnvoyAdsClient envoy = connect(quick, "web-4", token, invalid)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> envoy.ended() != null);
      assertThat(Status.fromThrowable(envoy.ended()).getDescription())
          .contains("dataplane.resource", "networking.address");
    }
    assertThat(exists("web-4")).isFalse();
  }

  @Test
  void theCleanupDeletesADataplaneOfflineLongerThanItsAge() throws Exception {
    put(
        "/meshes/life/dataplanes/old-1",
        """
        type: Dataplane
        mesh: life
        name: old-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: 8080
            tags: {kuma.io/service: old}
        """);
    String token = XdsClients.dataplaneToken(admin, "life", "old-1", "old");
    // Its own gateway, closed at the end: its cleanup deletes every dataplane offline for 4 s.
    try (XdsGateway cleaning =
        gateway(new DataplaneLifecycle.Settings(DELAY, Duration.ofSeconds(4)))) {
      try (EnvoyAdsClient envoy = connect(cleaning, "old-1", token, Struct.getDefaultInstance())) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> !envoy.latest(EnvoyAdsClient.LISTENER).isEmpty());
      }
      await().atMost(Duration.ofSeconds(40)).until(() -> !exists("old-1"));
    }
    assertThat(lastEvent("old-1").path("actor").asText())
        .isEqualTo(DataplaneLifecycle.CLEANUP_ACTOR);
  }

  private static XdsGateway gateway(DataplaneLifecycle.Settings settings) {
    XdsGateway gateway =
        XdsGateway.start(
            new XdsGatewayConfig(
                "127.0.0.1",
                0,
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                Topics.defaults(),
                registry,
                XdsGatewayOptions.DEFAULTS
                    .withRequireDataplaneTokens(true)
                    .withCacheDir(dataDir)
                    .withLifecycle(settings)));
    await().atMost(Duration.ofSeconds(60)).until(gateway::isReady);
    return gateway;
  }

  private static EnvoyAdsClient connect(
      XdsGateway gateway, String name, String token, Struct metadata) {
    return EnvoyAdsClient.open(
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build(),
        node(name, metadata),
        token,
        false,
        List.of());
  }

  private static Node node(String name, Struct metadata) {
    return Node.newBuilder()
        .setId("life." + name)
        .setUserAgentName("envoy")
        .setMetadata(metadata)
        .build();
  }

  /** Node metadata as kuma-dp's bootstrap sets it, with the Dataplane it was given. */
  private static Struct carried(String name, String service) {
    return carriedWithTags(name, "{\"kuma.io/service\":\"%s\"}".formatted(service));
  }

  /** {@link #carried(String, String)} with the inbound's {@code tags} (a JSON object). */
  private static Struct carriedWithTags(String name, String tags) {
    String dataplane =
        """
        {"type":"Dataplane","mesh":"life","name":"%s","networking":{"address":"127.0.0.1",\
        "inbound":[{"port":8080,"tags":%s}],\
        "outbound":[{"port":10001,"tags":{"kuma.io/service":"backend"}}]}}"""
            .formatted(name, tags);
    return Struct.newBuilder()
        .putFields("dataplane.resource", Value.newBuilder().setStringValue(dataplane).build())
        .build();
  }

  private static boolean exists(String name) {
    return admin.get("/meshes/life/dataplanes/" + name).statusCode() == 200;
  }

  private static JsonNode lastEvent(String name) throws Exception {
    JsonNode items =
        JSON.readTree(admin.get("/events?mesh=life&type=Dataplane&size=1000").body()).path("items");
    JsonNode last = null;
    for (JsonNode item : items) {
      if (name.equals(item.path("name").asText())) {
        last = item;
      }
    }
    assertThat(last).as("an event of dataplane " + name).isNotNull();
    return last;
  }

  private static void put(String path, String yaml) {
    var response = admin.putYaml(path, yaml);
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }
}
