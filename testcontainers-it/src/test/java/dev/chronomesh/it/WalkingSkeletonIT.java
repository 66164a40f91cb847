package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.ConfluentSchemaRegistryClient;
import dev.chronomesh.launcher.ChronomeshStack;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end check: a REST write reaches a proxyless gRPC call through Kafka, the Kafka
 * Streams projector and the xDS gateway, with a real grpc-xds client and real servers.
 */
class WalkingSkeletonIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;

  static ChronomeshStack stack;
  static Rest rest;

  @BeforeAll
  static void startStack() {
    stack = LoopbackStack.start(dataDir);
    rest = new Rest(stack.apiUrl(), stack.adminToken());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void restWritesReachAProxylessGrpcClient() throws Exception {
    try (WhoAmIServer backend1 = new WhoAmIServer("backend-1");
        WhoAmIServer backend2 = new WhoAmIServer("backend-2")) {
      assertThat(rest.putYaml("/meshes/default", "type: Mesh\nname: default\n").statusCode())
          .isEqualTo(201);
      assertThat(
              rest.putYaml("/meshes/default/dataplanes/backend-1", dataplane(backend1))
                  .statusCode())
          .isEqualTo(201);
      assertThat(rest.putYaml("/meshes/default/dataplanes/web-1", webDataplane()).statusCode())
          .isEqualTo(201);

      // The stack requires dataplane tokens, as `up` does: web-1 presents one issued over REST.
      Path token = XdsClients.dataplaneTokenFile(rest, "default", "web-1", "web", dataDir);
      ManagedChannel channel =
          XdsClients.channel(stack.xdsAddress(), "default.web-1", "backend", token);
      try {
        await("first call reaches backend-1")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).equals("backend-1"));
        // The proxy's config as the projector holds it, through the API.
        JsonNode config =
            JSON.readTree(rest.get("/meshes/default/dataplanes/web-1/_config").body());
        assertThat(config.path("dataplane").asText()).isEqualTo("web-1");
        assertThat(config.path("resources").path("listeners").findValuesAsText("name"))
            .contains("backend");
        assertThat(config.path("resources").path("endpoints").toString()).contains("127.0.0.1");

        assertThat(
                rest.putYaml("/meshes/default/dataplanes/backend-2", dataplane(backend2))
                    .statusCode())
            .isEqualTo(201);
        await("calls spread over backend-1 and backend-2")
            .atMost(Duration.ofSeconds(60))
            .until(() -> backendsSeen(channel, 20).equals(Set.of("backend-1", "backend-2")));

        assertThat(rest.delete("/meshes/default/dataplanes/backend-1").statusCode()).isEqualTo(200);
        await("calls go only to backend-2")
            .atMost(Duration.ofSeconds(60))
            .until(() -> backendsSeen(channel, 20).equals(Set.of("backend-2")));
        // A proxy without a token gets nothing.
        Status refused = AdsProbe.refusal("127.0.0.1", xdsPort(), "default.web-1", null, 30);
        assertThat(refused).isNotNull();
        assertThat(refused.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      } finally {
        XdsClients.close(channel);
      }
    }
  }

  /**
   * The check: a proxyless client of a Dataplane without the proxyless label fails within 2
   * s, naming the label (it used to wait 15 s for "Timed out waiting for resource backend"), {@code
   * _overview} shows why, and the client works once the label is added.
   */
  @Test
  void aProxylessClientOfADataplaneWithoutTheLabelFailsAtOnceNamingIt() throws Exception {
    try (WhoAmIServer backend = new WhoAmIServer("backend-9")) {
      assertThat(rest.putYaml("/meshes/mismatch", "type: Mesh\nname: mismatch\n").statusCode())
          .isEqualTo(201);
      assertThat(
              rest.putYaml(
                      "/meshes/mismatch/dataplanes/backend-9",
                      dataplane(backend).replace("mesh: default", "mesh: mismatch"))
                  .statusCode())
          .isEqualTo(201);
      String sidecar =
          webDataplane()
              .replace("mesh: default", "mesh: mismatch")
              .replace("labels:\n  chronomesh.io/proxy-type: proxyless\n", "");
      assertThat(rest.putYaml("/meshes/mismatch/dataplanes/web-1", sidecar).statusCode())
          .isEqualTo(201);
      await("web-1's sidecar config is projected")
          .atMost(Duration.ofSeconds(60))
          .until(() -> !overview().at("/status/projectedVersion").isNull());

      Path token = XdsClients.dataplaneTokenFile(rest, "mismatch", "web-1", "web", dataDir);
      ManagedChannel channel =
          XdsClients.channel(stack.xdsAddress(), "mismatch.web-1", "backend", token);
      try {
        long start = System.nanoTime();
        StatusRuntimeException failed =
            catchThrowableOfType(StatusRuntimeException.class, () -> XdsClients.who(channel));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failed).as("the call fails").isNotNull();
        assertThat(failed.getStatus().getDescription())
            .contains("add the label " + KumaTags.PROXY_TYPE_LABEL + ": proxyless");
        assertThat(took).isLessThan(Duration.ofSeconds(2));
        JsonNode refused =
            await("_overview shows the refusal")
                .atMost(Duration.ofSeconds(30))
                .until(
                    WalkingSkeletonIT::overview,
                    o -> o.at("/status/lastRefusal/error").isTextual());
        assertThat(refused.at("/status/lastRefusal/error").asText())
            .contains("configured as an Envoy sidecar")
            .contains(KumaTags.PROXY_TYPE_LABEL + ": proxyless");

        // The label added: the projector writes the proxyless flavour, the client's retry works.
        assertThat(
                rest.putYaml(
                        "/meshes/mismatch/dataplanes/web-1",
                        webDataplane().replace("mesh: default", "mesh: mismatch"))
                    .statusCode())
            .isEqualTo(200);
        await("the client reaches backend-9")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).equals("backend-9"));
      } finally {
        XdsClients.close(channel);
      }
    }
  }

  private static JsonNode overview() throws Exception {
    return JSON.readTree(rest.get("/meshes/mismatch/dataplanes/web-1/_overview").body());
  }

  private static int xdsPort() {
    String address = stack.xdsAddress();
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  @Test
  void confluentCompatibleToolsReadTheEventsTopicThroughTheEmbeddedRegistry() throws Exception {
    assertThat(
            rest.putYaml("/meshes/registry-demo", "type: Mesh\nname: registry-demo\n").statusCode())
        .isEqualTo(201);
    ConfluentSchemaRegistryClient client =
        new ConfluentSchemaRegistryClient(URI.create(stack.apiUrl() + "/schema-registry"));
    JsonNode subjects = JSON.readTree(rest.get("/schema-registry/subjects").body());
    assertThat(subjects.toString()).contains("chronomesh.events-value");

    AvroSerde<ResourceEvent> viaRest = AvroSerde.forValues(client, ResourceEvent.class);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor("chronomesh.events").stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<ResourceEvent> events = new ArrayList<>();
      await("the mesh event, read with the schema fetched over REST")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  events.add(viaRest.deserialize(r.topic(), r.value()));
                }
                return events.stream().anyMatch(e -> e.getMesh().equals("registry-demo"));
              });
    }
  }

  private static Set<String> backendsSeen(ManagedChannel channel, int calls) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < calls; i++) {
      seen.add(XdsClients.who(channel));
    }
    return seen;
  }

  static String dataplane(WhoAmIServer server) {
    return """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: 127.0.0.1
          inbound:
            - port: %d
              tags:
                kuma.io/service: backend
                kuma.io/protocol: grpc
        """
        .formatted(server.name(), server.port());
  }

  static String webDataplane() {
    return """
        type: Dataplane
        mesh: default
        name: web-1
        labels:
          chronomesh.io/proxy-type: proxyless
        networking:
          address: 127.0.0.1
          inbound:
            - port: 20000
              tags:
                kuma.io/service: web
          outbound:
            - port: 10001
              tags:
                kuma.io/service: backend
        """;
  }
}
