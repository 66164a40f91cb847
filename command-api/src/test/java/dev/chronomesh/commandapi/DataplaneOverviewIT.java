package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.commandapi.ApiHttp.Response;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /meshes/{mesh}/dataplanes/{name}/_overview} against a real broker: status records
 * written straight to the proxy-status topic, the projected version to proxy-configs.
 */
class DataplaneOverviewIT {
  private static final Topics TOPICS = new Topics("overview.");
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static EmbeddedKafka kafka;
  private static InMemorySchemaRegistry registry;
  private static CommandApiServer server;
  private static KafkaProducer<String, byte[]> producer;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
    Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
    TopicSetup.ensureTopics(props, TOPICS, 2, (short) 1);
    registry = new InMemorySchemaRegistry();
    Path stateDir = Files.createTempDirectory("overview-it");
    server =
        CommandApiServer.start(
            new CommandApiConfig(
                "127.0.0.1",
                0,
                props,
                TOPICS,
                registry,
                16 * 1024,
                Duration.ofSeconds(30),
                new dev.chronomesh.auth.EnvelopeSealer(dev.chronomesh.auth.EnvelopeSealer.newKek()),
                null,
                dev.chronomesh.commandapi.auth.Authenticator.allowAllAsAdmin(),
                null),
            stateDir);
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true),
            new StringSerializer(),
            new ByteArraySerializer());
    await().atMost(WAIT).until(server::isReady);
  }

  @AfterAll
  static void stop() {
    if (producer != null) {
      producer.close();
    }
    if (server != null) {
      server.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void showsTheDataplaneWithItsAcksLastNackAndLagBehindTheProjection() throws Exception {
    put("/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
    put("/meshes/default/dataplanes/web-1", dataplane("web-1"));

    // Before any status: the dataplane, not connected, nothing acknowledged.
    Response none = get("/meshes/default/dataplanes/web-1/_overview");
    assertThat(none.status()).as(none.body()).isEqualTo(200);
    assertThat(none.json().at("/dataplane/name").asText()).isEqualTo("web-1");
    assertThat(none.json().at("/status/connected").asBoolean()).isFalse();
    assertThat(none.json().at("/status/acked").size()).isZero();
    assertThat(none.json().at("/status/lastNack").isNull()).isTrue();
    assertThat(none.json().at("/status/lastRefusal").isNull()).isTrue();
    assertThat(none.json().at("/status/inSync").asBoolean()).isFalse();

    Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
    config("default.web-1", "v2");
    status("default.web-1", "CONNECTED", null, null, null, null, t0, 5L);
    status("default.web-1", "ACK", CDS, "v1", null, 120L, t0.plusSeconds(1), null);
    status("default.web-1", "ACK", LDS, "v1", null, 130L, t0.plusSeconds(1), null);
    status("default.web-1", "NACK", CDS, "v2", "cluster x: bad", null, t0.plusSeconds(2), null);

    JsonNode behind =
        await()
            .atMost(WAIT)
            .until(
                () -> get("/meshes/default/dataplanes/web-1/_overview").json(),
                j -> j.at("/status/lastNack/version").asText().equals("v2"));
    JsonNode s = behind.get("status");
    assertThat(s.get("connected").asBoolean()).isTrue();
    assertThat(s.get("gateway").asText()).isEqualTo("gw-1");
    assertThat(s.get("protocol").asText()).isEqualTo("sotw");
    assertThat(s.get("connectedAt").asText()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(s.at("/acked/" + escape(CDS) + "/version").asText()).isEqualTo("v1");
    assertThat(s.at("/acked/" + escape(CDS) + "/convergenceMillis").asLong()).isEqualTo(120);
    assertThat(s.at("/acked/" + escape(CDS) + "/at").asText()).isEqualTo("2026-03-01T10:00:01Z");
    assertThat(s.at("/lastNack/typeUrl").asText()).isEqualTo(CDS);
    assertThat(s.at("/lastNack/error").asText()).isEqualTo("cluster x: bad");
    assertThat(s.get("projectedVersion").asText()).isEqualTo("v2");
    assertThat(s.get("inSync").asBoolean()).isFalse();
    assertThat(s.get("behind")).hasSize(2);

    // The fix arrives: v3 is projected and acknowledged.
    config("default.web-1", "v3");
    status("default.web-1", "ACK", CDS, "v3", null, 80L, t0.plusSeconds(3), null);
    status("default.web-1", "ACK", LDS, "v3", null, 85L, t0.plusSeconds(3), null);
    JsonNode synced =
        await()
            .atMost(WAIT)
            .until(
                () -> get("/meshes/default/dataplanes/web-1/_overview").json(),
                j -> j.at("/status/inSync").asBoolean());
    assertThat(synced.at("/status/behind").size()).isZero();
    assertThat(synced.at("/status/lastNack/version").asText()).isEqualTo("v2");

    // A disconnect of an older stream does not end the current one; its own does.
    status("default.web-1", "DISCONNECTED", null, null, null, null, t0.plusSeconds(4), 4L);
    status("default.web-1", "DISCONNECTED", null, null, null, null, t0.plusSeconds(5), 5L);
    JsonNode gone =
        await()
            .atMost(WAIT)
            .until(
                () -> get("/meshes/default/dataplanes/web-1/_overview").json(),
                j -> !j.at("/status/connected").asBoolean());
    assertThat(gone.at("/status/disconnectedAt").asText()).isEqualTo("2026-03-01T10:00:05Z");
    assertThat(gone.at("/status/inSync").asBoolean()).isFalse();
  }

  @Test
  void showsTheRefusalOfAClientThatCannotUseTheDataplanesConfig() throws Exception {
    put("/meshes/default", "{\"type\":\"Mesh\",\"name\":\"default\"}");
    put("/meshes/default/dataplanes/web-2", dataplane("web-2"));
    String error =
        "dataplane default.web-2 is configured as an Envoy sidecar but a proxyless gRPC client"
            + " (gRPC Java 1.85.1) connected: add the label chronomesh.io/proxy-type: proxyless"
            + " to the Dataplane";
    Instant t0 = Instant.parse("2026-03-01T11:00:00Z");
    config("default.web-2", "v1");

    status("default.web-2", "REFUSED", null, null, error, null, t0, null);

    JsonNode refused =
        await()
            .atMost(WAIT)
            .until(
                () -> get("/meshes/default/dataplanes/web-2/_overview").json(),
                j ->
                    !j.at("/status/lastRefusal").isMissingNode()
                        && !j.at("/status/lastRefusal").isNull());
    JsonNode s = refused.get("status");
    assertThat(s.at("/lastRefusal/error").asText()).isEqualTo(error);
    assertThat(s.at("/lastRefusal/gateway").asText()).isEqualTo("gw-1");
    assertThat(s.at("/lastRefusal/at").asText()).isEqualTo("2026-03-01T11:00:00Z");
    // The client never connected: nothing acknowledged, not in sync.
    assertThat(s.get("connected").asBoolean()).isFalse();
    assertThat(s.get("acked").size()).isZero();
    assertThat(s.get("inSync").asBoolean()).isFalse();
    assertThat(s.get("projectedVersion").asText()).isEqualTo("v1");

    // The label added, a client connects and acknowledges: the refusal stays as history.
    config("default.web-2", "v2");
    status("default.web-2", "CONNECTED", null, null, null, null, t0.plusSeconds(5), 9L);
    status("default.web-2", "ACK", CDS, "v2", null, 40L, t0.plusSeconds(6), null);
    status("default.web-2", "ACK", LDS, "v2", null, 41L, t0.plusSeconds(6), null);
    JsonNode synced =
        await()
            .atMost(WAIT)
            .until(
                () -> get("/meshes/default/dataplanes/web-2/_overview").json(),
                j -> j.at("/status/inSync").asBoolean());
    assertThat(synced.at("/status/lastRefusal/at").asText()).isEqualTo("2026-03-01T11:00:00Z");
  }

  @Test
  void anUnknownDataplaneIs404() throws Exception {
    Response r = get("/meshes/default/dataplanes/nope/_overview");
    assertThat(r.status()).as(r.body()).isEqualTo(404);
    assertThat(r.json().get("detail").asText()).contains("nope");
    Response otherMesh = get("/meshes/absent/dataplanes/web-1/_overview");
    assertThat(otherMesh.status()).isEqualTo(404);
  }

  private static void status(
      String key,
      String kind,
      String typeUrl,
      String version,
      String error,
      Long convergence,
      Instant at,
      Long streamId)
      throws Exception {
    int dot = key.indexOf('.');
    ProxyStatusEvent event =
        ProxyStatusEvent.newBuilder()
            .setMesh(key.substring(0, dot))
            .setProxy(key.substring(dot + 1))
            .setGateway("gw-1")
            .setKind(kind)
            .setTypeUrl(typeUrl)
            .setVersion(version)
            .setError(error)
            .setConvergenceMillis(convergence)
            .setAt(at)
            .setProtocol("sotw")
            .setStreamId(streamId)
            .build();
    byte[] value =
        AvroSerde.forValues(registry, ProxyStatusEvent.class)
            .serialize(TOPICS.proxyStatus(), event);
    producer.send(new ProducerRecord<>(TOPICS.proxyStatus(), key, value)).get();
  }

  private static void config(String key, String version) throws Exception {
    int dot = key.indexOf('.');
    ProxyConfig config =
        ProxyConfig.newBuilder()
            .setMesh(key.substring(0, dot))
            .setProxy(key.substring(dot + 1))
            .setVersion(version)
            .setResources(List.of())
            .setCauses(List.of())
            .build();
    byte[] value =
        AvroSerde.forValues(registry, ProxyConfig.class).serialize(TOPICS.proxyConfigs(), config);
    producer.send(new ProducerRecord<>(TOPICS.proxyConfigs(), key, value)).get();
  }

  /** A type URL as one JSON pointer segment. */
  private static String escape(String segment) {
    return segment.replace("~", "~0").replace("/", "~1");
  }

  private static void put(String path, String body) throws Exception {
    Response r = ApiHttp.send(server, "PUT", path, "application/yaml", body, Map.of());
    assertThat(r.status()).as(r.body()).isIn(200, 201);
  }

  private static Response get(String path) throws Exception {
    return ApiHttp.send(server, "GET", path, null, null, Map.of());
  }

  private static String dataplane(String name) {
    return """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: 10.0.0.1
          inbound:
          - port: 8080
            servicePort: 18080
            tags:
              kuma.io/service: %s-svc
        """
        .formatted(name, name);
  }
}
