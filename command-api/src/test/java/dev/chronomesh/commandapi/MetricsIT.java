package dev.chronomesh.commandapi;

import static dev.chronomesh.commandapi.ApiHttp.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics with token authentication on: public, Prometheus text, JVM, HTTP and decider. */
class MetricsIT {
  @TempDir Path stateDir;

  @Test
  void servesPrometheusMetricsWithoutAToken() throws Exception {
    Topics topics = new Topics("metrics.");
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(props, topics, 1, (short) 1);
      try (CommandApiServer server =
          CommandApiServer.start(
              new CommandApiConfig(
                  "127.0.0.1",
                  0,
                  props,
                  topics,
                  new InMemorySchemaRegistry(),
                  64 * 1024,
                  Duration.ofSeconds(30),
                  new EnvelopeSealer(EnvelopeSealer.newKek()),
                  null,
                  null,
                  null),
              stateDir)) {
        await().atMost(Duration.ofSeconds(60)).until(server::isReady);
        assertThat(send(server, "GET", "/meshes", null, null, Map.of()).status()).isEqualTo(401);
        assertThat(send(server, "GET", "/healthz", null, null, Map.of()).status()).isEqualTo(200);

        ApiHttp.Response metrics = send(server, "GET", "/metrics", null, null, Map.of());
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body())
            .contains("jvm_memory_used_bytes")
            .contains("jvm_gc_")
            .contains("process_uptime_seconds")
            .contains(
                "http_server_requests_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"} 1")
            .contains(
                "http_server_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"401\"} 1");

        // The decider's Kafka Streams metrics appear as its threads come up.
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(send(server, "GET", "/metrics", null, null, Map.of()).body())
                        .contains("kafka_stream_thread_"));
      }
    }
  }
}
