package dev.chronomesh.events.registry;

import static dev.chronomesh.events.registry.TestSchemas.V1;
import static dev.chronomesh.events.registry.TestSchemas.V2_REQUIRED;
import static dev.chronomesh.events.registry.TestSchemas.V2_WITH_DEFAULT;
import static dev.chronomesh.events.registry.TestSchemas.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The REST handler served over the JDK's HTTP server on loopback, spoken to by the Confluent
 * client, with the Kafka-backed registry on a real broker behind it.
 */
class ConfluentClientIT {
  private static final String MOUNT = "/schema-registry";
  private static final String TOPIC = "it.client-schemas";

  private static EmbeddedKafka kafka;
  private static KafkaSchemaRegistry served;
  private static HttpServer server;
  private static ExecutorService executor;
  private static URI baseUrl;

  @BeforeAll
  static void start() throws IOException {
    kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
    served = KafkaSchemaRegistry.start(props(), TOPIC);
    SchemaRegistryRestHandler handler = new SchemaRegistryRestHandler(served);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext(MOUNT, exchange -> serve(handler, exchange));
    server.start();
    baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + MOUNT);
  }

  private static void serve(SchemaRegistryRestHandler handler, HttpExchange exchange)
      throws IOException {
    try (exchange;
        InputStream in = exchange.getRequestBody()) {
      String path = exchange.getRequestURI().getRawPath().substring(MOUNT.length());
      SchemaRegistryRestHandler.Response r =
          handler.handle(
              exchange.getRequestMethod(),
              path,
              exchange.getRequestURI().getRawQuery(),
              in.readAllBytes());
      byte[] body = r.body();
      exchange.getResponseHeaders().set("Content-Type", r.contentType());
      exchange.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
    if (served != null) {
      served.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private static Map<String, Object> props() {
    return Map.of("bootstrap.servers", kafka.bootstrapServers());
  }

  @Test
  void registersFetchesAndChecksThroughRest() {
    ConfluentSchemaRegistryClient client = new ConfluentSchemaRegistryClient(baseUrl);

    assertThat(client.isCompatible("c/one value", parse(V1))).isTrue(); // no such subject yet
    int id = client.register("c/one value", parse(V1));
    assertThat(served.subjects()).contains("c/one value");
    assertThat(served.schemaById(id)).isEqualTo(parse(V1));
    assertThat(client.register("c/one value", parse(V1))).isEqualTo(id);

    ConfluentSchemaRegistryClient fresh = new ConfluentSchemaRegistryClient(baseUrl);
    assertThat(fresh.schemaById(id)).isEqualTo(parse(V1));
    assertThat(fresh.isCompatible("c/one value", parse(V2_WITH_DEFAULT))).isTrue();
    assertThat(fresh.isCompatible("c/one value", parse(V2_REQUIRED))).isFalse();
    assertThatThrownBy(() -> fresh.register("c/one value", parse(V2_REQUIRED)))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(409))
        .hasMessageContaining("incompatible");
    assertThatThrownBy(() -> fresh.schemaById(id == 1 ? 2 : 1))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
  }

  @Test
  void avroSerdeWritesThroughRestAndReadsThroughAnotherRegistry() {
    ResourceEvent event =
        ResourceEvent.newBuilder()
            .setEventId("e-1")
            .setMesh("default")
            .setResourceType("Mesh")
            .setName("default")
            .setRevision(1)
            .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L))
            .setActor("admin")
            .setRequestId("r-1")
            .setKind(EventKind.UPSERTED)
            .setPayload(MeshResource.newBuilder().setName("default").build())
            .build();
    AvroSerde<ResourceEvent> viaRest =
        AvroSerde.forValues(new ConfluentSchemaRegistryClient(baseUrl), ResourceEvent.class);

    byte[] bytes = viaRest.serialize("chronomesh.events", event);

    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    try (KafkaSchemaRegistry other = KafkaSchemaRegistry.start(props(), TOPIC)) {
      assertThat(other.latest("chronomesh.events-value").id()).isEqualTo(id);
      AvroSerde<ResourceEvent> viaKafka = AvroSerde.forValues(other, ResourceEvent.class);
      assertThat(viaKafka.deserialize("chronomesh.events", bytes)).isEqualTo(event);
      // and back: written with the Kafka-backed registry, read through REST
      byte[] again = viaKafka.serialize("chronomesh.events", event);
      assertThat(again).isEqualTo(bytes);
      assertThat(
              AvroSerde.forValues(new ConfluentSchemaRegistryClient(baseUrl), ResourceEvent.class)
                  .deserialize("chronomesh.events", again))
          .isEqualTo(event);
    }
  }

  @Test
  void errorsCarryConfluentCodesAndTheRestMediaType() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/subjects/missing/versions"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type"))
        .contains("application/vnd.schemaregistry.v1+json");
    assertThat(response.body()).contains("\"error_code\":40401");
  }

  @Test
  void aRegistryThatDoesNotAnswerTimesOut() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.createContext(
        "/silent",
        exchange -> {
          try (exchange) {
            release.await(30, TimeUnit.SECONDS);
            exchange.sendResponseHeaders(500, -1);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    try {
      ConfluentSchemaRegistryClient client =
          new ConfluentSchemaRegistryClient(
              URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/silent"),
              HttpClient.newHttpClient(),
              Duration.ofMillis(500));

      assertThatThrownBy(() -> client.schemaById(1))
          .isInstanceOf(SchemaRegistryException.class)
          .hasCauseInstanceOf(HttpTimeoutException.class);
    } finally {
      release.countDown();
      server.removeContext("/silent");
    }
  }

  @Test
  void unreachableRegistryIsASchemaRegistryException() throws IOException {
    int port;
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    ConfluentSchemaRegistryClient client =
        new ConfluentSchemaRegistryClient(URI.create("http://127.0.0.1:" + port));

    assertThatThrownBy(() -> client.schemaById(1))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("127.0.0.1:" + port);
  }
}
