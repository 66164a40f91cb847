package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.commandapi.auth.Authenticator;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sends at least a thousand malformed or hostile requests to a real command API over real HTTP and
 * checks that each gets a 4xx problem+json answer, none a 5xx, and that the events topic is left
 * untouched. The corpus is generated from one seed, printed first; rerun a failure with {@code
 * -Dhostile.seed=<seed>}.
 */
class HostileRequestsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Topics TOPICS = new Topics("hostile.");
  private static final int MAX_BODY = 64 * 1024;
  private static final int MUTATED_DOCUMENTS = 1_000;

  private static EmbeddedKafka kafka;
  private static Admin admin;
  private static CommandApiServer server;
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void startBrokerAndServer() {
    kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
    Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
    TopicSetup.ensureTopics(props, TOPICS, 3, (short) 1);
    admin = Admin.create(props);
    server =
        CommandApiServer.start(
            new CommandApiConfig(
                "127.0.0.1",
                0,
                props,
                TOPICS,
                new InMemorySchemaRegistry(),
                MAX_BODY,
                Duration.ofSeconds(30),
                new EnvelopeSealer(EnvelopeSealer.newKek()),
                null,
                Authenticator.allowAllAsAdmin(),
                null));
    await().atMost(Duration.ofSeconds(30)).until(server::isReady);
  }

  @AfterAll
  static void stopAll() {
    if (server != null) {
      server.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void everyHostileRequestGetsAProblemAndWritesNothing() throws Exception {
    long seed = Long.getLong("hostile.seed", 20_250_101L);
    System.out.println(
        "HostileRequestsIT seed=" + seed + " (rerun with -Dhostile.seed=" + seed + ")");

    // One real mesh, so that dataplane and secret documents are checked past "mesh exists".
    Answer mesh =
        send(
            new HostileCorpus.Request(
                "setup",
                "PUT",
                "/meshes/" + HostileCorpus.MESH,
                "application/json",
                "{\"type\":\"Mesh\",\"name\":\"default\"}".getBytes(StandardCharsets.UTF_8)));
    assertThat(mesh.status).as(mesh.body).isEqualTo(201);
    Map<TopicPartition, Long> before = endOffsets();

    HostileCorpus corpus = new HostileCorpus(seed, new EnvelopeSealer(EnvelopeSealer.newKek()));
    List<HostileCorpus.Request> requests = corpus.generate(MUTATED_DOCUMENTS, MAX_BODY);
    assertThat(requests).hasSizeGreaterThanOrEqualTo(1_000);

    long started = System.nanoTime();
    List<String> failures = new ArrayList<>();
    Map<Integer, Integer> statuses = new TreeMap<>();
    for (HostileCorpus.Request request : requests) {
      Answer answer;
      try {
        answer = send(request);
      } catch (Exception e) {
        failures.add(request + " -> no answer: " + e);
        continue;
      }
      statuses.merge(answer.status, 1, Integer::sum);
      String problem = problemOf(answer);
      if (problem != null) {
        failures.add(request + " -> " + answer.status + " " + problem);
      }
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.println(
        "HostileRequestsIT sent="
            + requests.size()
            + " validSkipped="
            + corpus.validSkipped()
            + " millis="
            + millis
            + " statuses="
            + statuses);

    assertThat(failures)
        .as(
            "requests without a 4xx problem+json answer (seed %d):%n%s",
            seed, failures.stream().limit(30).collect(Collectors.joining("\n")))
        .isEmpty();
    assertThat(endOffsets()).as("end offsets of the events topic").isEqualTo(before);
    Answer health = send(new HostileCorpus.Request("health", "GET", "/healthz", null, null));
    assertThat(health.status).isEqualTo(200);
  }

  /**
   * Paths Jetty refuses before routing (encoded NUL, encoded separators around dot segments). Kept
   * apart from the corpus so that a failure here, in the server's Jetty error handling, does not
   * hide what the corpus checks.
   */
  @Test
  void requestsRejectedBeforeRoutingGetProblemsToo() throws Exception {
    Map<TopicPartition, Long> before = endOffsets();
    List<String> failures = new ArrayList<>();
    for (HostileCorpus.Request request : HostileCorpus.ambiguousPaths()) {
      Answer answer = send(request);
      String problem = problemOf(answer);
      if (problem != null) {
        failures.add(request + " -> " + answer.status + " " + problem);
      }
    }
    assertThat(failures).isEmpty();
    assertThat(endOffsets()).isEqualTo(before);
  }

  /** Why an answer is not a 4xx problem+json with a parseable body, or null when it is. */
  private static String problemOf(Answer answer) {
    if (answer.status < 400 || answer.status > 499) {
      return "status is not 4xx: " + abbreviate(answer.body);
    }
    String type = answer.contentType == null ? "" : answer.contentType;
    if (!type.startsWith("application/problem+json")) {
      return "content type " + type + ": " + abbreviate(answer.body);
    }
    try {
      JsonNode body = JSON.readTree(answer.body);
      if (body == null || !body.isObject()) {
        return "body is not a JSON object: " + abbreviate(answer.body);
      }
      if (body.path("status").asInt() != answer.status || !body.path("title").isTextual()) {
        return "body has no matching status and title: " + abbreviate(answer.body);
      }
    } catch (Exception e) {
      return "body is not JSON: " + abbreviate(answer.body);
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private static Map<TopicPartition, Long> endOffsets() throws Exception {
    List<TopicPartition> partitions =
        admin
            .describeTopics(List.of(TOPICS.events()))
            .allTopicNames()
            .get()
            .get(TOPICS.events())
            .partitions()
            .stream()
            .map(p -> new TopicPartition(TOPICS.events(), p.partition()))
            .toList();
    Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
    partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, Long> out =
        new TreeMap<>(java.util.Comparator.comparing(TopicPartition::partition));
    admin.listOffsets(latest).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  private record Answer(int status, String contentType, String body) {}

  private static Answer send(HostileCorpus.Request r) throws Exception {
    HttpRequest.BodyPublisher publisher =
        r.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(r.body());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + r.path()))
            .timeout(Duration.ofSeconds(30))
            .method(r.method(), publisher);
    if (r.contentType() != null) {
      b.header("Content-Type", r.contentType());
    }
    HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(null),
        response.body());
  }
}
