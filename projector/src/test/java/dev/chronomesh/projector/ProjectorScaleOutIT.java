package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two projector instances share the events partitions; each serves {@code _config} for every mesh
 * (forwarding to the owner); when one stops, the other takes its meshes over (with a standby
 * replica of their stores) and their proxies keep receiving config.
 */
class ProjectorScaleOutIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int PARTITIONS = 4;

  /** Mesh names whose events land on every one of the partitions, so each instance owns some. */
  private static final List<String> MESH_NAMES = meshesOnEveryPartition();

  private static final int MESHES = MESH_NAMES.size();

  private static List<String> meshesOnEveryPartition() {
    java.util.SortedMap<Integer, String> byPartition = new java.util.TreeMap<>();
    for (int i = 0; byPartition.size() < PARTITIONS; i++) {
      String candidate = "m" + i;
      int partition =
          org.apache.kafka.common.utils.Utils.toPositive(
                  org.apache.kafka.common.utils.Utils.murmur2(
                      candidate.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
              % PARTITIONS;
      byPartition.putIfAbsent(partition, candidate);
    }
    return List.copyOf(byPartition.values());
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void meshesMoveToTheSurvivingInstanceAndConfigsKeepFlowing(@TempDir Path dirA, @TempDir Path dirB)
      throws Exception {
    Topics topics = new Topics("scale.");
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    HttpClient http = HttpClient.newHttpClient();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(client, topics, PARTITIONS, (short) 1);
      try (KafkaProducer<String, ResourceEvent> producer = TestClients.producer(kafka, registry);
          KafkaConsumer<String, ProxyConfig> consumer =
              TestClients.consumer(kafka, registry, topics, "scale-reader");
          ProjectorHttp httpA = ProjectorHttp.start("127.0.0.1", 0);
          ProjectorHttp httpB = ProjectorHttp.start("127.0.0.1", 0)) {
        Projector a = start(client, topics, registry, dirA, httpA);
        Projector b = start(client, topics, registry, dirB, httpB);
        try {
          for (int i = 0; i < MESHES; i++) {
            TestClients.send(producer, topics, upserted(1, mesh(MESH_NAMES.get(i))));
            TestClients.send(producer, topics, upserted(1, dataplane(MESH_NAMES.get(i), "dp-1")));
          }
          Map<String, ProxyConfig> latest = new HashMap<>();
          awaitConfigs(consumer, latest, "dp-1");
          await().atMost(WAIT).until(() -> a.isRunning() && b.isRunning());

          // Each instance owns some of the meshes, so the answers below include forwarded ones.
          await()
              .atMost(WAIT)
              .ignoreExceptions()
              .until(
                  () ->
                      MESH_NAMES.stream().anyMatch(m -> a.remoteOwner(m).isPresent())
                          && MESH_NAMES.stream().anyMatch(m -> a.remoteOwner(m).isEmpty()));
          // Any instance answers for any mesh: the owner's stores, forwarded when needed.
          for (int i = 0; i < MESHES; i++) {
            String mesh = MESH_NAMES.get(i);
            await().atMost(WAIT).until(() -> get(http, httpA, mesh, "dp-1").statusCode() == 200);
            JsonNode dump = JSON.readTree(get(http, httpA, mesh, "dp-1").body());
            assertThat(dump.path("version").asText())
                .isEqualTo(latest.get(mesh + ".dp-1").getVersion());
            assertThat(JSON.readTree(get(http, httpB, mesh, "dp-1").body())).isEqualTo(dump);
          }
          assertThat(get(http, httpA, MESH_NAMES.get(0), "nobody").statusCode()).isEqualTo(404);

          // Prometheus metrics: the JVM, and Kafka Streams including what went to proxy-configs.
          String configsSent = "kafka_producer_topic_record_send_total{client_id=\"";
          await()
              .atMost(WAIT)
              .untilAsserted(
                  () -> {
                    HttpResponse<String> metrics = metrics(http, httpA);
                    assertThat(metrics.statusCode()).isEqualTo(200);
                    assertThat(metrics.body())
                        .contains("jvm_memory_used_bytes")
                        .contains("kafka_stream_thread_process_total")
                        .contains(configsSent)
                        .contains("topic=\"" + topics.proxyConfigs() + "\"");
                  });

          // One instance goes; the other takes every mesh over.
          b.close();
          for (int i = 0; i < MESHES; i++) {
            TestClients.send(producer, topics, upserted(1, dataplane(MESH_NAMES.get(i), "dp-2")));
          }
          awaitConfigs(consumer, latest, "dp-2");
          for (int i = 0; i < MESHES; i++) {
            String mesh = MESH_NAMES.get(i);
            await().atMost(WAIT).until(() -> get(http, httpA, mesh, "dp-2").statusCode() == 200);
          }
        } finally {
          b.close();
          a.close();
        }
      }
    }
  }

  private static DataplaneResource dataplane(String mesh, String name) {
    return dev.chronomesh.projector.generate.Fixtures.dataplane(
        mesh, name, "10.0.0.1", dev.chronomesh.projector.generate.Fixtures.inbound("svc", 8080));
  }

  private static Projector start(
      Map<String, Object> client,
      Topics topics,
      InMemorySchemaRegistry registry,
      Path dir,
      ProjectorHttp http) {
    Map<String, Object> props = new HashMap<>(client);
    props.put("application.server", "127.0.0.1:" + http.port());
    props.put("num.standby.replicas", 1);
    Projector projector =
        Projector.start(new ProjectorConfig(props, topics, registry, "scale-projector", dir));
    http.serve(projector);
    return projector;
  }

  private static HttpResponse<String> get(
      HttpClient http, ProjectorHttp server, String mesh, String name) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + server.port()
                        + "/meshes/"
                        + mesh
                        + "/dataplanes/"
                        + name
                        + "/_config"))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> metrics(HttpClient http, ProjectorHttp server)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitConfigs(
      KafkaConsumer<String, ProxyConfig> consumer, Map<String, ProxyConfig> latest, String dp) {
    await()
        .atMost(WAIT)
        .until(
            () -> {
              consumer
                  .poll(Duration.ofMillis(200))
                  .forEach(
                      r -> {
                        if (r.value() != null) {
                          latest.put(r.key(), r.value());
                        }
                      });
              for (int i = 0; i < MESHES; i++) {
                if (!latest.containsKey(MESH_NAMES.get(i) + "." + dp)) {
                  return false;
                }
              }
              return true;
            });
  }
}
