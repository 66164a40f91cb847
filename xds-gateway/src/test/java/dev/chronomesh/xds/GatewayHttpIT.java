package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import dev.chronomesh.servicehttp.ServiceHttp;
import dev.chronomesh.servicehttp.ServiceMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway's /healthz, /readyz and /metrics listener against a real broker. */
class GatewayHttpIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
  void servesHealthReadinessAndConvergenceMetrics() throws Exception {
    Topics topics = new Topics("http.");
    Map<String, Object> kafkaProperties = Map.of("bootstrap.servers", kafka.bootstrapServers());
    TopicSetup.ensureTopics(kafkaProperties, topics, 2, (short) 1);
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    ProxyEventListener recorder =
        new ProxyEventListener() {
          @Override
          public void acked(String nodeId, String typeUrl, String version, Duration convergence) {
            seen.add(nodeId + " " + version);
          }
        };
    XdsGatewayConfig config =
        new XdsGatewayConfig(
            "127.0.0.1",
            0,
            kafkaProperties,
            topics,
            new InMemorySchemaRegistry(),
            XdsGatewayOptions.DEFAULTS.withHttpPort(0));
    int httpPort;
    try (XdsGateway gateway = XdsGateway.start(config, List.of(recorder))) {
      httpPort = gateway.httpPort().orElseThrow();
      assertThat(httpPort).isPositive().isNotEqualTo(gateway.port());
      assertThat(get(httpPort, "/healthz").statusCode()).isEqualTo(200);

      await().atMost(WAIT).until(() -> get(httpPort, "/readyz").statusCode() == 200);
      assertThat(gateway.isReady()).isTrue();

      // The ADS callbacks tell every listener; the metrics are the last one.
      assertThat(gateway.listeners()).hasSize(2).startsWith(recorder).endsWith(gateway.metrics());
      gateway.listeners().forEach(l -> l.acked("default.web-1", CDS, "v1", Duration.ofMillis(40)));
      assertThat(seen).containsExactly("default.web-1 v1");

      HttpResponse<String> metrics = get(httpPort, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValue(ServiceMetrics.PROMETHEUS_TEXT);
      assertThat(metrics.body())
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"cds\",le=\"0.05\"} 1")
          .contains("chronomesh_xds_convergence_seconds_count{type=\"cds\"} 1")
          .contains("chronomesh_xds_acks_total{type=\"cds\"} 1.0")
          .contains("chronomesh_xds_nodes{where=\"memory\"} 0.0")
          .contains("chronomesh_xds_nodes{where=\"disk\"}")
          .contains("jvm_memory_used_bytes")
          .contains("jvm_gc_");
    }
    assertThatThrownBy(() -> get(httpPort, "/healthz")).isInstanceOf(IOException.class);
  }

  @Test
  void answersNotReadyUnknownPathsAndOtherMethods() throws Exception {
    try (ServiceHttp http = ServiceHttp.start("xds", "127.0.0.1", 0, () -> false, () -> "", null)) {
      HttpResponse<String> readyz = get(http.port(), "/readyz");
      assertThat(readyz.statusCode()).isEqualTo(503);
      assertThat(readyz.body()).isEqualTo("{\"ready\":false}");
      assertThat(get(http.port(), "/healthz").statusCode()).isEqualTo(200);
      HttpResponse<String> missing = get(http.port(), "/nope");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).contains("no such path: /nope");
      HttpResponse<String> post =
          CLIENT.send(
              HttpRequest.newBuilder(uri(http.port(), "/metrics"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }

  @Test
  void startsNoListenerWithoutAnHttpPort() {
    Topics topics = new Topics("nohttp.");
    Map<String, Object> kafkaProperties = Map.of("bootstrap.servers", kafka.bootstrapServers());
    TopicSetup.ensureTopics(kafkaProperties, topics, 1, (short) 1);
    try (XdsGateway gateway =
        XdsGateway.start(
            new XdsGatewayConfig(
                "127.0.0.1", 0, kafkaProperties, topics, new InMemorySchemaRegistry()))) {
      assertThat(gateway.httpPort()).isEmpty();
    }
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static HttpResponse<String> get(int port, String path)
      throws IOException, InterruptedException {
    return CLIENT.send(
        HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
