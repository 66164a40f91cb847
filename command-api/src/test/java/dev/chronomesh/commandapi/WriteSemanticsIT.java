package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.commandapi.ApiHttp.Response;
import dev.chronomesh.commandapi.auth.AuthenticationException;
import dev.chronomesh.commandapi.auth.Authenticator;
import dev.chronomesh.commandapi.auth.Principal;
import dev.chronomesh.commandapi.decider.DeciderService;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The write semantics against a real broker and the real decider: optimistic concurrency,
 * idempotency across restarts, the timeout path, cascade, dry runs and authorization.
 */
class WriteSemanticsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Topics TOPICS = new Topics("ws.");
  private static final Map<String, Principal> TOKENS =
      Map.of(
          "Bearer admin",
          new Principal("root", Set.of(), Principal.Role.ADMIN, Set.of(), "t-admin"),
          "Bearer viewer",
          new Principal("vera", Set.of(), Principal.Role.VIEWER, Set.of(), "t-viewer"),
          "Bearer editor-a",
          new Principal("eddie", Set.of(), Principal.Role.EDITOR, Set.of("a"), "t-editor"));
  private static final Authenticator AUTH =
      header -> {
        Principal p = header == null ? null : TOKENS.get(header);
        if (p == null) {
          throw new AuthenticationException("missing or invalid token");
        }
        return p;
      };

  private static EmbeddedKafka kafka;
  private static Map<String, Object> kafkaProps;
  private static InMemorySchemaRegistry registry;
  private static EnvelopeSealer sealer;
  private static Path stateDir;
  private static CommandApiServer server;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
    kafkaProps = Map.of("bootstrap.servers", kafka.bootstrapServers());
    TopicSetup.ensureTopics(kafkaProps, TOPICS, 3, (short) 1);
    registry = new InMemorySchemaRegistry();
    sealer = new EnvelopeSealer(EnvelopeSealer.newKek());
    stateDir = Files.createTempDirectory("write-semantics-it");
    server = startServer(TOPICS, Duration.ofSeconds(30), stateDir, true);
    assertThat(put("/meshes/a", mesh("a"), Map.of()).status()).isEqualTo(201);
    assertThat(put("/meshes/b", mesh("b"), Map.of()).status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private static CommandApiServer startServer(
      Topics topics, Duration timeout, Path dir, boolean withDecider) {
    CommandApiServer s =
        CommandApiServer.start(
            new CommandApiConfig(
                "127.0.0.1",
                0,
                kafkaProps,
                topics,
                registry,
                64 * 1024,
                timeout,
                sealer,
                null,
                AUTH,
                null),
            dir,
            java.time.Clock.systemUTC(),
            withDecider);
    await().atMost(Duration.ofSeconds(60)).until(s::isReady);
    return s;
  }

  @Test
  void concurrentReadModifyWritesWithIfMatchLoseNoUpdate() throws Exception {
    assertThat(put("/meshes/a/dataplanes/counter", dataplane("a", "counter", 0), Map.of()).status())
        .isEqualTo(201);
    int clients = 50;
    CountDownLatch go = new CountDownLatch(1);
    ConcurrentLinkedQueue<Long> accepted = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Integer> others = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int attempt = 0; attempt < 3; attempt++) {
                    Response got = send("GET", "/meshes/a/dataplanes/counter", null, null, admin());
                    long revision = revision(got);
                    int counter = Integer.parseInt(got.json().at("/labels/counter").asText());
                    Response r =
                        put(
                            "/meshes/a/dataplanes/counter",
                            dataplane("a", "counter", counter + 1),
                            Map.of("If-Match", "\"" + revision + "\""));
                    if (r.status() == 200) {
                      accepted.add(revision(r));
                      return null;
                    }
                    others.add(r.status());
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(accepted).isNotEmpty();
    assertThat(others).allMatch(s -> s == 412);
    assertThat(accepted).doesNotHaveDuplicates();

    List<ResourceEvent> events = events("a", "Dataplane", "counter");
    assertThat(events).hasSize(1 + accepted.size());
    assertThat(events.stream().map(ResourceEvent::getRevision).toList())
        .as("each accepted write exactly once, in revision order")
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed().toList());
    assertThat(events.subList(1, events.size()))
        .extracting(ResourceEvent::getRevision)
        .containsExactlyInAnyOrderElementsOf(accepted);
    Response last = send("GET", "/meshes/a/dataplanes/counter", null, null, admin());
    assertThat(last.json().at("/labels/counter").asText())
        .as("no lost update: every accepted write incremented the value it read")
        .isEqualTo(Integer.toString(accepted.size()));
    assertThat(revision(last)).isEqualTo(events.get(events.size() - 1).getRevision());
  }

  @Test
  void sameIdempotencyKeyWritesOnceAcrossRestarts() throws Exception {
    Map<String, String> key = Map.of("Idempotency-Key", "create-idem-1");
    List<Response> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      answers.add(put("/meshes/b/dataplanes/idem", dataplane("b", "idem", 7), key));
    }
    server.close();
    server = startServer(TOPICS, Duration.ofSeconds(30), stateDir, true);
    for (int i = 0; i < 2; i++) {
      answers.add(put("/meshes/b/dataplanes/idem", dataplane("b", "idem", 7), key));
    }

    assertThat(answers).extracting(r -> r.status()).containsOnly(201);
    assertThat(answers)
        .extracting(r -> r.headers().firstValue("ETag").orElse(""))
        .containsOnly("\"1\"");
    assertThat(events("b", "Dataplane", "idem")).hasSize(1);
  }

  @Test
  void timedOutWriteAnswers504AndItsOutcomeLater() throws Exception {
    Topics slow = new Topics("slow.");
    TopicSetup.ensureTopics(kafkaProps, slow, 1, (short) 1);
    Path dir = Files.createTempDirectory("slow-decider");
    try (CommandApiServer alone = startServer(slow, Duration.ofSeconds(2), dir, false)) {
      Response r =
          send(
              alone,
              "PUT",
              "/meshes/late",
              "application/json",
              mesh("late"),
              Map.of("Authorization", "Bearer admin", "X-Request-Id", "late-1"));
      assertThat(r.status()).as(r.body()).isEqualTo(504);
      assertThat(r.headers().firstValue("Retry-After")).contains("1");
      assertThat(r.headers().firstValue("Location")).contains("/commands/late-1");
      assertThat(send(alone, "GET", "/commands/late-1", null, null, admin()).status())
          .isEqualTo(202);
      assertThat(send(alone, "GET", "/commands/unknown-1", null, null, admin()).status())
          .isEqualTo(404);

      try (DeciderService decider =
          DeciderService.start(kafkaProps, slow, registry, "slow.decider", dir)) {
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  Response outcome = send(alone, "GET", "/commands/late-1", null, null, admin());
                  assertThat(outcome.status()).as(outcome.body()).isEqualTo(200);
                  assertThat(outcome.json().get("status").asInt()).isEqualTo(201);
                  assertThat(outcome.json().at("/result/name").asText()).isEqualTo("late");
                });
      }
    }
  }

  @Test
  void meshDeleteNeedsCascadeWhileItHoldsResources() throws Exception {
    assertThat(put("/meshes/gone", mesh("gone"), Map.of()).status()).isEqualTo(201);
    for (String dp : List.of("dp-1", "dp-2")) {
      assertThat(put("/meshes/gone/dataplanes/" + dp, dataplane("gone", dp, 0), Map.of()).status())
          .isEqualTo(201);
    }

    Response refused = send("DELETE", "/meshes/gone", null, null, admin());
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");

    Response dry = send("DELETE", "/meshes/gone?cascade=true&dryRun=true", null, null, admin());
    assertThat(dry.status()).isEqualTo(200);
    assertThat(events("gone", "Dataplane", "dp-1")).hasSize(1);

    Response deleted = send("DELETE", "/meshes/gone?cascade=true", null, null, admin());
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
    assertThat(
            send("GET", "/meshes/gone/dataplanes", null, null, admin()).json().get("total").asInt())
        .isZero();
    assertThat(send("GET", "/meshes/gone", null, null, admin()).status()).isEqualTo(404);
    for (String dp : List.of("dp-1", "dp-2")) {
      List<ResourceEvent> history = events("gone", "Dataplane", dp);
      assertThat(history)
          .extracting(ResourceEvent::getKind)
          .containsExactly(EventKind.UPSERTED, EventKind.DELETED);
    }
    assertThat(events("gone", "Mesh", "gone"))
        .extracting(ResourceEvent::getKind)
        .containsExactly(EventKind.UPSERTED, EventKind.DELETED);
  }

  @Test
  void ifNoneMatchCreatesOnlyOnceAndIfMatchIsChecked() throws Exception {
    Map<String, String> createOnly = Map.of("If-None-Match", "*");
    Response first = put("/meshes/a/dataplanes/once", dataplane("a", "once", 1), createOnly);
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.headers().firstValue("ETag")).contains("\"1\"");
    Response second = put("/meshes/a/dataplanes/once", dataplane("a", "once", 2), createOnly);
    assertThat(second.status()).isEqualTo(412);

    Response stale =
        put("/meshes/a/dataplanes/once", dataplane("a", "once", 2), Map.of("If-Match", "\"7\""));
    assertThat(stale.status()).isEqualTo(412);
    for (String notATag : List.of("abc", "1", "\"1")) {
      Response malformed =
          put("/meshes/a/dataplanes/once", dataplane("a", "once", 2), Map.of("If-Match", notATag));
      assertThat(malformed.status()).as(notATag).isEqualTo(400);
      assertThat(malformed.json().at("/invalid_parameters/0/field").asText()).isEqualTo("If-Match");
    }
    Response badKey =
        put(
            "/meshes/a/dataplanes/once",
            dataplane("a", "once", 2),
            Map.of("Idempotency-Key", "x".repeat(256)));
    assertThat(badKey.status()).isEqualTo(400);
    Response deleteStale =
        send("DELETE", "/meshes/a/dataplanes/once", null, null, with(admin(), "If-Match", "\"9\""));
    assertThat(deleteStale.status()).isEqualTo(412);
    assertThat(events("a", "Dataplane", "once")).hasSize(1);

    Response got = send("GET", "/meshes/a/dataplanes/once", null, null, admin());
    assertThat(got.headers().firstValue("ETag")).contains("\"1\"");
  }

  @Test
  void entityTagsAreComparedAsRfc9110Says() throws Exception {
    String path = "/meshes/a/dataplanes/tagged";
    Response missing = put(path, dataplane("a", "tagged", 0), Map.of("If-Match", "*"));
    assertThat(missing.status()).as(missing.body()).isEqualTo(412);
    assertThat(missing.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(put(path, dataplane("a", "tagged", 1), Map.of()).status()).isEqualTo(201);
    Response any = put(path, dataplane("a", "tagged", 2), Map.of("If-Match", "*"));
    assertThat(any.status()).as(any.body()).isEqualTo(200);
    String current = any.headers().firstValue("ETag").orElseThrow();
    assertThat(current).isEqualTo("\"2\"");

    for (String failing :
        List.of("\"anything-else\"", "\"bogus-revision\"", "W/" + current, "W/\"x\", \"1\"")) {
      Response r = put(path, dataplane("a", "tagged", 9), Map.of("If-Match", failing));
      assertThat(r.status()).as("If-Match: %s, %s", failing, r.body()).isEqualTo(412);
    }
    Response notNone = put(path, dataplane("a", "tagged", 9), Map.of("If-None-Match", current));
    assertThat(notNone.status()).as(notNone.body()).isEqualTo(412);
    Response notWeak =
        put(path, dataplane("a", "tagged", 9), Map.of("If-None-Match", "W/" + current));
    assertThat(notWeak.status()).isEqualTo(412);
    Response deleteBogus =
        send("DELETE", path, null, null, with(admin(), "If-Match", "\"bogus-revision\""));
    assertThat(deleteBogus.status()).isEqualTo(412);

    Response listed =
        put(path, dataplane("a", "tagged", 3), Map.of("If-Match", "\"1\", W/\"x\" ," + current));
    assertThat(listed.status()).as(listed.body()).isEqualTo(200);
    Response otherRevisions =
        put(path, dataplane("a", "tagged", 4), Map.of("If-None-Match", "\"1\", " + current));
    assertThat(otherRevisions.status()).as(otherRevisions.body()).isEqualTo(200);
    assertThat(otherRevisions.headers().firstValue("ETag")).contains("\"4\"");

    assertThat(events("a", "Dataplane", "tagged"))
        .extracting(e -> ((DataplaneResource) e.getPayload()).getLabels().get("counter"))
        .containsExactly("1", "2", "3", "4");
  }

  @Test
  void dryRunDecidesButWritesNothing() throws Exception {
    Response dry = put("/meshes/a/dataplanes/dry?dryRun=true", dataplane("a", "dry", 1), Map.of());
    assertThat(dry.status()).as(dry.body()).isEqualTo(201);
    assertThat(dry.json().get("name").asText()).isEqualTo("dry");
    Response dryInMissingMesh =
        put("/meshes/nowhere/dataplanes/dry?dryRun=true", dataplane("nowhere", "dry", 1), Map.of());
    assertThat(dryInMissingMesh.status()).isEqualTo(400);

    assertThat(send("GET", "/meshes/a/dataplanes/dry", null, null, admin()).status())
        .isEqualTo(404);
    assertThat(events("a", "Dataplane", "dry")).isEmpty();
  }

  @Test
  void authenticationAndRolesAreEnforced() throws Exception {
    assertThat(send("GET", "/meshes", null, null, Map.of()).status()).isEqualTo(401);
    Response forged = send("GET", "/meshes", null, null, Map.of("Authorization", "Bearer forged"));
    assertThat(forged.status()).isEqualTo(401);
    assertThat(forged.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(send("GET", "/healthz", null, null, Map.of()).status()).isEqualTo(200);

    Map<String, String> viewer = Map.of("Authorization", "Bearer viewer");
    assertThat(send("GET", "/meshes/a", null, null, viewer).status()).isEqualTo(200);
    Response viewerWrite =
        send("PUT", "/meshes/a/dataplanes/v", "application/json", dataplane("a", "v", 1), viewer);
    assertThat(viewerWrite.status()).isEqualTo(403);
    assertThat(viewerWrite.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");

    Map<String, String> editor = Map.of("Authorization", "Bearer editor-a");
    assertThat(
            send(
                    "PUT",
                    "/meshes/a/dataplanes/e",
                    "application/json",
                    dataplane("a", "e", 1),
                    editor)
                .status())
        .isEqualTo(201);
    assertThat(
            send(
                    "PUT",
                    "/meshes/b/dataplanes/e",
                    "application/json",
                    dataplane("b", "e", 1),
                    editor)
                .status())
        .isEqualTo(403);
    assertThat(send("PUT", "/meshes/c", "application/json", mesh("c"), editor).status())
        .isEqualTo(403);
    assertThat(events("b", "Dataplane", "e")).isEmpty();
    List<ResourceEvent> written = events("a", "Dataplane", "e");
    assertThat(written).hasSize(1);
    assertThat(written.get(0).getActor()).startsWith("eddie@");
  }

  @Test
  void listsFilterByLabelAndNameAndDescribeTheTypes() throws Exception {
    put("/meshes/b/dataplanes/web-x", dataplane("b", "web-x", 3), Map.of());
    put("/meshes/b/dataplanes/db-x", dataplane("b", "db-x", 4), Map.of());

    JsonNode byLabel =
        send("GET", "/meshes/b/dataplanes?filter%5Blabel.counter%5D=4", null, null, admin()).json();
    assertThat(byLabel.get("total").asInt()).isEqualTo(1);
    assertThat(byLabel.at("/items/0/name").asText()).isEqualTo("db-x");
    JsonNode byName = send("GET", "/dataplanes?name=web-", null, null, admin()).json();
    assertThat(byName.get("items")).allMatch(i -> i.get("name").asText().contains("web-"));
    assertThat(send("GET", "/dataplanes?filter%5Bfoo%5D=1", null, null, admin()).status())
        .isEqualTo(400);

    JsonNode types = send("GET", "/_resources", null, null, admin()).json();
    List<String> names = new ArrayList<>();
    types.get("resources").forEach(t -> names.add(t.get("name").asText()));
    assertThat(names).contains("Mesh", "Dataplane");
  }

  @Test
  void secretValuesAreSealedInTheLogAndShownOnlyToThoseWhoMayReadThem() throws Exception {
    String hello =
        java.util.Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
    Response created =
        put(
            "/meshes/a/secrets/s1",
            "{\"type\":\"Secret\",\"mesh\":\"a\",\"name\":\"s1\",\"data\":\"" + hello + "\"}",
            Map.of());
    assertThat(created.status()).as(created.body()).isEqualTo(201);

    assertThat(send("GET", "/meshes/a/secrets/s1", null, null, admin()).json().get("data").asText())
        .isEqualTo(hello);
    Map<String, String> editor = Map.of("Authorization", "Bearer editor-a");
    assertThat(send("GET", "/meshes/a/secrets/s1", null, null, editor).json().get("data").asText())
        .isEqualTo(hello);
    Map<String, String> viewer = Map.of("Authorization", "Bearer viewer");
    JsonNode seenByViewer = send("GET", "/meshes/a/secrets/s1", null, null, viewer).json();
    assertThat(seenByViewer.get("name").asText()).isEqualTo("s1");
    assertThat(seenByViewer.has("data")).isFalse();
    JsonNode listedForViewer = send("GET", "/secrets", null, null, viewer).json();
    assertThat(listedForViewer.get("items")).allMatch(i -> !i.has("data"));

    List<ResourceEvent> events = events("a", "Secret", "s1");
    assertThat(events).hasSize(1);
    var sealed = (dev.chronomesh.events.avro.SecretResource) events.get(0).getPayload();
    byte[] ciphertext = new byte[sealed.getData().getCiphertext().remaining()];
    sealed.getData().getCiphertext().duplicate().get(ciphertext);
    assertThat(new String(ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain("hello");
  }

  @Test
  void tokenAuthenticationBootstrapsAnAdminTokenThatWrites() throws Exception {
    Topics tok = new Topics("tok.");
    TopicSetup.ensureTopics(kafkaProps, tok, 1, (short) 1);
    Path dir = Files.createTempDirectory("token-api");
    Path tokenFile = dir.resolve("admin-token");
    try (CommandApiServer real =
        CommandApiServer.start(
            new CommandApiConfig(
                "127.0.0.1",
                0,
                kafkaProps,
                tok,
                registry,
                64 * 1024,
                Duration.ofSeconds(30),
                sealer,
                tokenFile,
                null,
                null),
            dir.resolve("state"))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(tokenFile));
      String token = Files.readString(tokenFile).trim();
      Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);

      assertThat(send(real, "GET", "/meshes", null, null, Map.of()).status()).isEqualTo(401);
      assertThat(
              send(real, "GET", "/meshes", null, null, Map.of("Authorization", "Bearer x.y.z"))
                  .status())
          .isEqualTo(401);
      Response created =
          send(real, "PUT", "/meshes/tokens", "application/json", mesh("tokens"), bearer);
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      JsonNode events =
          send(real, "GET", "/events?mesh=tokens&type=Mesh", null, null, bearer).json();
      assertThat(events.at("/items/0/actor").asText()).startsWith("admin@");
    }
  }

  // --- helpers ---

  private static String mesh(String name) {
    return "{\"type\":\"Mesh\",\"name\":\"" + name + "\"}";
  }

  private static String dataplane(String mesh, String name, int counter) {
    return """
        {"type": "Dataplane", "mesh": "%s", "name": "%s", "labels": {"counter": "%d"},
         "networking": {"address": "10.0.0.1",
           "inbound": [{"port": 8080, "tags": {"kuma.io/service": "svc"}}]}}
        """
        .formatted(mesh, name, counter);
  }

  private static Map<String, String> admin() {
    return Map.of("Authorization", "Bearer admin");
  }

  private static Map<String, String> with(Map<String, String> base, String k, String v) {
    Map<String, String> m = new HashMap<>(base);
    m.put(k, v);
    return m;
  }

  private static long revision(Response r) {
    String etag = r.headers().firstValue("ETag").orElseThrow(() -> new AssertionError(r.body()));
    return Long.parseLong(etag.replace("\"", ""));
  }

  /** Every committed event of one resource, in log order. */
  private static List<ResourceEvent> events(String mesh, String type, String name) {
    Map<String, Object> props = new HashMap<>(kafkaProps);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    AvroSerde<ResourceEvent> serde = AvroSerde.forValues(registry, ResourceEvent.class);
    List<ResourceEvent> out = new ArrayList<>();
    try (KafkaConsumer<String, ResourceEvent> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), serde.deserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      consumer
          .partitionsFor(TOPICS.events())
          .forEach(p -> tps.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read the events topic to its end");
        }
        consumer
            .poll(Duration.ofMillis(200))
            .forEach(
                r -> {
                  ResourceEvent e = r.value();
                  if (e.getMesh().equals(mesh)
                      && e.getResourceType().equals(type)
                      && e.getName().equals(name)) {
                    out.add(e);
                  }
                });
      }
    }
    return out;
  }

  private static Response put(String path, String body, Map<String, String> headers)
      throws Exception {
    Map<String, String> all = new HashMap<>(admin());
    all.putAll(headers);
    return send("PUT", path, "application/json", body, all);
  }

  private static Response send(
      String method, String path, String type, String body, Map<String, String> headers)
      throws Exception {
    return send(server, method, path, type, body, headers);
  }

  private static Response send(
      CommandApiServer s,
      String method,
      String path,
      String type,
      String body,
      Map<String, String> headers)
      throws Exception {
    return ApiHttp.send(s, method, path, type, body, headers);
  }
}
