package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.commandapi.ApiHttp.Response;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CommandApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Topics TOPICS = new Topics("it.");
  private static final int MAX_BODY = 16 * 1024;

  private static EmbeddedKafka kafka;
  private static Map<String, Object> kafkaProps;
  private static InMemorySchemaRegistry registry;
  private static CommandApiServer server;
  private static Admin admin;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void startBrokerAndServer() {
    kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
    kafkaProps = Map.of("bootstrap.servers", kafka.bootstrapServers());
    TopicSetup.ensureTopics(kafkaProps, TOPICS, 3, (short) 1);
    registry = new InMemorySchemaRegistry();
    admin = Admin.create(kafkaProps);
    server = startServer();
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

  private static CommandApiServer startServer() {
    java.nio.file.Path stateDir;
    try {
      stateDir = java.nio.file.Files.createTempDirectory("command-api-it");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    CommandApiServer s =
        CommandApiServer.start(
            new CommandApiConfig(
                "127.0.0.1",
                0,
                kafkaProps,
                TOPICS,
                registry,
                MAX_BODY,
                Duration.ofSeconds(30),
                new dev.chronomesh.auth.EnvelopeSealer(dev.chronomesh.auth.EnvelopeSealer.newKek()),
                null,
                dev.chronomesh.commandapi.auth.Authenticator.allowAllAsAdmin(),
                null),
            stateDir);
    await().atMost(Duration.ofSeconds(30)).until(s::isReady);
    return s;
  }

  @Test
  void createsUpdatesListsAndDeletesResources() throws Exception {
    Response created =
        send(
            server,
            "PUT",
            "/meshes/default",
            "application/json",
            "{\"type\":\"Mesh\",\"name\":\"default\"}",
            Map.of("X-Request-Id", "req-create-1"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("X-Request-Id")).contains("req-create-1");
    assertThat(created.json().path("name").asText()).as(created.body()).isEqualTo("default");
    assertThat(created.json().has("creationTime")).isTrue();

    Response updated =
        send(
            server,
            "PUT",
            "/meshes/default",
            "application/yaml",
            """
            type: Mesh
            name: default
            labels:
              team: platform
            mtls:
              enabledBackend: ca-1
              backends:
              - name: ca-1
                type: builtin
            """);
    assertThat(updated.status()).as(updated.body()).isEqualTo(200);
    assertThat(updated.json().at("/mtls/enabledBackend").asText()).isEqualTo("ca-1");
    assertThat(updated.json().get("creationTime")).isEqualTo(created.json().get("creationTime"));

    for (String dp : List.of("web-1", "backend-1")) {
      Response r =
          send(
              server,
              "PUT",
              "/meshes/default/dataplanes/" + dp,
              "application/yaml",
              dataplane("default", dp));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    Response got = send(server, "GET", "/meshes/default/dataplanes/web-1", null, null);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().at("/networking/inbound/0/tags/kuma.io~1service").asText())
        .isEqualTo("web-1-svc");
    assertThat(got.json().get("mesh").asText()).isEqualTo("default");

    Response list = send(server, "GET", "/meshes/default/dataplanes", null, null);
    assertThat(list.json().get("total").asInt()).isEqualTo(2);
    assertThat(names(list.json())).containsExactly("backend-1", "web-1");
    assertThat(list.json().get("next").isNull()).isTrue();

    // Other tests share the broker: compare the page with the whole list, sorted by mesh, name.
    JsonNode all = send(server, "GET", "/dataplanes?size=1000", null, null).json();
    List<String> meshAndName = new ArrayList<>();
    all.get("items")
        .forEach(i -> meshAndName.add(i.get("mesh").asText() + "/" + i.get("name").asText()));
    assertThat(meshAndName).contains("default/backend-1", "default/web-1").isSorted();
    Response page = send(server, "GET", "/dataplanes?size=1", null, null);
    assertThat(page.json().get("total").asInt()).isEqualTo(all.get("total").asInt());
    assertThat(page.json().get("items")).hasSize(1);
    assertThat(page.json().get("items").get(0)).isEqualTo(all.get("items").get(0));
    assertThat(page.json().get("next").asText()).endsWith("/dataplanes?offset=1&size=1");

    Response meshes = send(server, "GET", "/meshes", null, null);
    assertThat(names(meshes.json())).contains("default");

    Response deleted = send(server, "DELETE", "/meshes/default/dataplanes/web-1", null, null);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(send(server, "GET", "/meshes/default/dataplanes/web-1", null, null).status())
        .isEqualTo(404);
    Response again = send(server, "DELETE", "/meshes/default/dataplanes/web-1", null, null);
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.contentType()).startsWith("application/problem+json");

    Response events =
        send(server, "GET", "/events?mesh=default&type=Dataplane&name=web-1", null, null);
    assertThat(events.status()).as(events.body()).isEqualTo(200);
    JsonNode items = events.json().get("items");
    assertThat(items).hasSize(2);
    assertThat(items.get(0).get("kind").asText()).isEqualTo("UPSERTED");
    assertThat(items.get(0).get("revision").asLong()).isEqualTo(1);
    assertThat(items.get(0).at("/resource/name").asText()).isEqualTo("web-1");
    assertThat(items.get(0).get("actor").asText()).startsWith("test-admin@");
    assertThat(items.get(1).get("kind").asText()).isEqualTo("DELETED");
    assertThat(items.get(1).get("revision").asLong()).isEqualTo(2);
    assertThat(items.get(1).get("resource").isNull()).isTrue();

    Response meshEvents = send(server, "GET", "/events?mesh=default&type=Mesh&size=1", null, null);
    assertThat(meshEvents.json().get("items").get(0).get("requestId").asText())
        .isEqualTo("req-create-1");
    assertThat(meshEvents.json().get("next").asText()).contains("cursor=");
  }

  @Test
  void historyPagesAcrossPartitionsReturnEveryEventOnceAndFilters() throws Exception {
    // Meshes spread over the topic's three partitions, each with two dataplanes.
    List<String> meshes = List.of("hist-a", "hist-b", "hist-c", "hist-d", "hist-e");
    for (String mesh : meshes) {
      assertThat(
              send(
                      server,
                      "PUT",
                      "/meshes/" + mesh,
                      "application/json",
                      "{\"type\":\"Mesh\",\"name\":\"" + mesh + "\"}")
                  .status())
          .isEqualTo(201);
      for (String dp : List.of("web-1", "web-2")) {
        String body =
            "{\"type\":\"Dataplane\",\"mesh\":\"%s\",\"name\":\"%s\",\"networking\":{\"address\":\"127.0.0.1\",\"inbound\":[{\"port\":8080,\"tags\":{\"kuma.io/service\":\"web\"}}]}}"
                .formatted(mesh, dp);
        assertThat(
                send(
                        server,
                        "PUT",
                        "/meshes/" + mesh + "/dataplanes/" + dp,
                        "application/json",
                        body)
                    .status())
            .isEqualTo(201);
      }
    }
    JsonNode all = send(server, "GET", "/events?type=Dataplane&size=1000", null, null).json();
    assertThat(all.get("next").isNull()).isTrue();
    List<String> expected = positions(all.get("items"), "hist-");
    assertThat(expected).hasSize(10);
    assertThat(new java.util.HashSet<>(all.get("items").findValuesAsText("partition")))
        .hasSizeGreaterThan(1);

    // Pages of 3 across partitions: the same events, each exactly once, in the same order.
    List<String> paged = new ArrayList<>();
    String path = "/events?type=Dataplane&size=3";
    int pages = 0;
    while (path != null) {
      JsonNode page = send(server, "GET", path, null, null).json();
      paged.addAll(positions(page.get("items"), "hist-"));
      JsonNode next = page.get("next");
      path = next.isNull() ? null : next.asText().substring(next.asText().indexOf("/events"));
      pages++;
      assertThat(pages).isLessThan(100);
    }
    assertThat(paged).containsExactlyElementsOf(expected).doesNotHaveDuplicates();

    // Filters: actor, and a time range from one event's time (inclusive) to another's (exclusive).
    JsonNode items = all.get("items");
    String actor = items.get(0).get("actor").asText();
    assertThat(
            send(server, "GET", "/events?type=Dataplane&size=1000&actor=" + actor, null, null)
                .json()
                .get("items"))
        .hasSameSizeAs(items);
    String principal = actor.substring(0, actor.indexOf('@'));
    assertThat(
            send(server, "GET", "/events?type=Dataplane&size=1000&actor=" + principal, null, null)
                .json()
                .get("items"))
        .hasSameSizeAs(items);
    assertThat(
            send(server, "GET", "/events?type=Dataplane&actor=nobody", null, null)
                .json()
                .get("items"))
        .isEmpty();
    // As instants: Instant.toString leaves out a zero fraction, so the texts do not sort as times.
    List<java.time.Instant> times =
        items.findValuesAsText("occurredAt").stream()
            .map(java.time.Instant::parse)
            .sorted()
            .toList();
    java.time.Instant since = times.get(2);
    java.time.Instant until = times.get(times.size() - 1);
    JsonNode ranged =
        send(
                server,
                "GET",
                "/events?type=Dataplane&size=1000&since=" + since + "&until=" + until,
                null,
                null)
            .json()
            .get("items");
    for (JsonNode e : ranged) {
      assertThat(java.time.Instant.parse(e.get("occurredAt").asText()))
          .isAfterOrEqualTo(since)
          .isBefore(until);
    }
    long inRange = times.stream().filter(t -> !t.isBefore(since) && t.isBefore(until)).count();
    assertThat(ranged).hasSize((int) inRange);

    // Bad filters are named.
    Response bad =
        send(server, "GET", "/events?since=yesterday&endOffset=-1&cursor=zz", null, null);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().findValuesAsText("field")).contains("since", "endOffset");
  }

  @Test
  void readsAResourceAndAListAsTheyWereAtATimeOrAnEventsOffset() throws Exception {
    assertThat(
            send(
                    server,
                    "PUT",
                    "/meshes/past",
                    "application/json",
                    "{\"type\":\"Mesh\",\"name\":\"past\"}")
                .status())
        .isEqualTo(201);
    String dp =
        "{\"type\":\"Dataplane\",\"mesh\":\"past\",\"name\":\"web-1\",\"networking\":{\"address\":\"127.0.0.1\",\"inbound\":[{\"port\":%d,\"tags\":{\"kuma.io/service\":\"web\"}}]}}";
    String path = "/meshes/past/dataplanes/web-1";
    assertThat(send(server, "PUT", path, "application/json", dp.formatted(8080)).status())
        .isEqualTo(201);
    assertThat(send(server, "PUT", path, "application/json", dp.formatted(9090)).status())
        .isEqualTo(200);
    assertThat(send(server, "DELETE", path, null, null).status()).isEqualTo(200);
    JsonNode events =
        send(server, "GET", "/events?mesh=past&type=Dataplane&name=web-1", null, null)
            .json()
            .get("items");
    assertThat(events).hasSize(3);
    String created = events.get(0).get("occurredAt").asText();
    long updatedAt = events.get(1).get("offset").asLong();

    // At the creation's time, at the update's offset, now (deleted), before it existed.
    JsonNode first = send(server, "GET", path + "?at=" + created, null, null).json();
    assertThat(first.at("/networking/inbound/0/port").asInt()).isEqualTo(8080);
    JsonNode second = send(server, "GET", path + "?at=" + updatedAt, null, null).json();
    assertThat(second.at("/networking/inbound/0/port").asInt()).isEqualTo(9090);
    assertThat(send(server, "GET", path, null, null).status()).isEqualTo(404);
    assertThat(send(server, "GET", path + "?at=2000-01-01T00:00:00Z", null, null).status())
        .isEqualTo(404);

    // A list answers the mesh as it was; the list of every mesh takes a time.
    JsonNode list =
        send(server, "GET", "/meshes/past/dataplanes?at=" + updatedAt, null, null).json();
    assertThat(list.path("items").findValuesAsText("name")).containsExactly("web-1");
    assertThat(
            send(server, "GET", "/meshes/past/dataplanes", null, null).json().path("total").asInt())
        .isZero();
    assertThat(
            send(server, "GET", "/dataplanes?at=" + created, null, null)
                .json()
                .path("items")
                .findValuesAsText("mesh"))
        .contains("past");
    Response offsetForEveryMesh = send(server, "GET", "/dataplanes?at=" + updatedAt, null, null);
    assertThat(offsetForEveryMesh.status()).isEqualTo(400);
    Response bad = send(server, "GET", path + "?at=yesterday", null, null);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().findValuesAsText("field")).containsExactly("at");
  }

  /** {@code partition:offset} of each event of the meshes starting with {@code prefix}. */
  private static List<String> positions(JsonNode items, String prefix) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : items) {
      if (e.get("mesh").asText().startsWith(prefix)) {
        out.add(e.get("partition").asText() + ":" + e.get("offset").asText());
      }
    }
    return out;
  }

  @Test
  void rejectsBadRequestsWithoutWritingAnything() throws Exception {
    assertThat(
            send(
                    server,
                    "PUT",
                    "/meshes/rejections",
                    "application/json",
                    "{\"type\":\"Mesh\",\"name\":\"rejections\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            send(
                    server,
                    "PUT",
                    "/meshes/rejections/dataplanes/dp-1",
                    "application/yaml",
                    dataplane("rejections", "dp-1"))
                .status())
        .isEqualTo(201);

    record Case(
        String name,
        String method,
        String path,
        String type,
        String body,
        int status,
        List<String> fields) {}
    List<Case> cases =
        List.of(
            new Case(
                "invalid YAML",
                "PUT",
                "/meshes/rejections",
                "application/yaml",
                "type: Mesh\n  name: [oops\n",
                400,
                List.of("")),
            new Case(
                "invalid JSON",
                "PUT",
                "/meshes/rejections",
                "application/json",
                "{\"type\":",
                400,
                List.of("")),
            new Case(
                "unknown field",
                "PUT",
                "/meshes/rejections",
                "application/yaml",
                "type: Mesh\nname: rejections\nfoo: bar\n",
                400,
                List.of("foo")),
            new Case(
                "missing kuma.io/service",
                "PUT",
                "/meshes/rejections/dataplanes/dp-2",
                "application/yaml",
                "type: Dataplane\nmesh: rejections\nname: dp-2\nnetworking:\n  address: 10.0.0.2\n"
                    + "  inbound:\n  - port: 8080\n    tags:\n      version: v1\n",
                400,
                List.of("networking.inbound[0].tags[\"kuma.io/service\"]")),
            new Case(
                "mesh does not exist",
                "PUT",
                "/meshes/nowhere/dataplanes/dp-1",
                "application/yaml",
                dataplane("nowhere", "dp-1"),
                400,
                List.of("mesh")),
            new Case(
                "name differs from path",
                "PUT",
                "/meshes/rejections/dataplanes/other",
                "application/yaml",
                dataplane("rejections", "dp-1"),
                400,
                List.of("name")),
            new Case(
                "body over the size limit",
                "PUT",
                "/meshes/rejections",
                "application/yaml",
                "type: Mesh\nname: rejections\n# " + "x".repeat(MAX_BODY) + "\n",
                413,
                List.of()),
            new Case(
                "unsupported media type",
                "PUT",
                "/meshes/rejections",
                "text/plain",
                "type: Mesh\nname: rejections\n",
                415,
                List.of()),
            new Case(
                "delete of a mesh with dataplanes",
                "DELETE",
                "/meshes/rejections",
                null,
                null,
                409,
                List.of("name")),
            new Case(
                "delete of a missing dataplane",
                "DELETE",
                "/meshes/rejections/dataplanes/ghost",
                null,
                null,
                404,
                List.of()),
            new Case("get of a missing mesh", "GET", "/meshes/ghost", null, null, 404, List.of()),
            new Case("unknown route", "GET", "/nothing/here", null, null, 404, List.of()),
            new Case(
                "method not allowed",
                "POST",
                "/meshes/rejections",
                "application/json",
                "{}",
                405,
                List.of()),
            new Case("bad page size", "GET", "/meshes?size=5000", null, null, 400, List.of("size")),
            new Case(
                "bad event type", "GET", "/events?type=Nope", null, null, 400, List.of("type")));

    Map<TopicPartition, Long> before = endOffsets();
    for (Case c : cases) {
      Response r = send(server, c.method, c.path, c.type, c.body());
      assertThat(r.status()).as(c.name + ": " + r.body()).isEqualTo(c.status());
      assertThat(r.contentType()).as(c.name).startsWith("application/problem+json");
      JsonNode problem = r.json();
      assertThat(problem.get("status").asInt()).as(c.name).isEqualTo(c.status());
      assertThat(problem.get("title").asText()).as(c.name).isNotBlank();
      assertThat(problem.get("detail").asText()).as(c.name).isNotBlank();
      assertThat(problem.get("type").asText()).as(c.name).isNotBlank();
      assertThat(problem.get("instance").asText()).as(c.name).isNotBlank();
      List<String> fields = new ArrayList<>();
      if (problem.has("invalid_parameters")) {
        problem
            .get("invalid_parameters")
            .forEach(
                p -> {
                  fields.add(p.get("field").asText());
                  assertThat(p.get("reason").asText()).isNotBlank();
                });
      }
      assertThat(fields).as(c.name + ": " + r.body()).containsExactlyInAnyOrderElementsOf(c.fields);
    }
    // A streamed (chunked) body has no Content-Length: the limit holds while reading.
    byte[] big =
        ("type: Mesh\nname: rejections\n# " + "x".repeat(MAX_BODY))
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> chunked =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/meshes/rejections"))
                .header("Content-Type", "application/yaml")
                .PUT(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(chunked.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));

    assertThat(endOffsets()).as("nothing written by any rejection").isEqualTo(before);
    assertThat(send(server, "GET", "/healthz", null, null).status()).isEqualTo(200);
    assertThat(send(server, "GET", "/readyz", null, null).status()).isEqualTo(200);
  }

  @Test
  void restartedServerSeesTheSameResourcesFromTheLog() throws Exception {
    assertThat(
            send(
                    server,
                    "PUT",
                    "/meshes/restart",
                    "application/json",
                    "{\"type\":\"Mesh\",\"name\":\"restart\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            send(
                    server,
                    "PUT",
                    "/meshes/restart/dataplanes/dp-a",
                    "application/yaml",
                    dataplane("restart", "dp-a"))
                .status())
        .isEqualTo(201);
    assertThat(send(server, "DELETE", "/meshes/restart/dataplanes/dp-a", null, null).status())
        .isEqualTo(200);
    String mesh = send(server, "GET", "/meshes/restart", null, null).body();

    try (CommandApiServer second = startServer()) {
      assertThat(second.port()).isNotEqualTo(server.port());
      Response got = send(second, "GET", "/meshes/restart", null, null);
      assertThat(got.status()).isEqualTo(200);
      assertThat(got.json()).isEqualTo(JSON.readTree(mesh));
      assertThat(send(second, "GET", "/meshes/restart/dataplanes/dp-a", null, null).status())
          .isEqualTo(404);

      // Re-created through the new instance: the revision continues from the log.
      Response recreated =
          send(
              second,
              "PUT",
              "/meshes/restart/dataplanes/dp-a",
              "application/yaml",
              dataplane("restart", "dp-a"));
      assertThat(recreated.status()).isEqualTo(201);
      JsonNode events =
          send(second, "GET", "/events?mesh=restart&type=Dataplane&name=dp-a", null, null).json();
      assertThat(events.get("items").get(2).get("revision").asLong()).isEqualTo(3);
    }
    // The first instance reads the second one's write from the log too.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        send(server, "GET", "/meshes/restart/dataplanes/dp-a", null, null).status())
                    .isEqualTo(200));
  }

  /**
   * Kuma's default policies of a new mesh (pkg/defaults/mesh in Kuma v2.14.3) are ordinary
   * policies: listed, written by actor system in the mesh's own request, editable, deletable.
   */
  @Test
  void aNewMeshHasKumasDefaultPoliciesThatAUserMayChangeOrDelete() throws Exception {
    Response created =
        send(
            server,
            "PUT",
            "/meshes/defaults",
            "application/json",
            "{\"type\":\"Mesh\",\"name\":\"defaults\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().get("type").asText()).isEqualTo("Mesh");
    assertThat(names(send(server, "GET", "/meshes/defaults/meshretries", null, null).json()))
        .containsExactly("mesh-retry-all-defaults");
    assertThat(names(send(server, "GET", "/meshes/defaults/meshtimeouts", null, null).json()))
        .containsExactly("mesh-gateways-timeout-all-defaults", "mesh-timeout-all-defaults");
    assertThat(
            names(send(server, "GET", "/meshes/defaults/meshcircuitbreakers", null, null).json()))
        .containsExactly("mesh-circuit-breaker-all-defaults");
    JsonNode events =
        send(server, "GET", "/events?mesh=defaults&type=MeshRetry", null, null).json();
    assertThat(events.get("items").get(0).get("actor").asText()).isEqualTo("system");

    Response changed =
        send(
            server,
            "PUT",
            "/meshes/defaults/meshretries/mesh-retry-all-defaults",
            "application/yaml",
            "type: MeshRetry\nmesh: defaults\nname: mesh-retry-all-defaults\nspec:\n"
                + "  targetRef: {kind: Mesh}\n  to:\n  - targetRef: {kind: Mesh}\n"
                + "    default: {tcp: {maxConnectAttempt: 2}}\n");
    assertThat(changed.status()).as(changed.body()).isEqualTo(200);
    Response deleted =
        send(
            server,
            "DELETE",
            "/meshes/defaults/meshtimeouts/mesh-timeout-all-defaults",
            null,
            null);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);

    Response skipped =
        send(
            server,
            "PUT",
            "/meshes/no-defaults",
            "application/yaml",
            "type: Mesh\nname: no-defaults\nskipCreatingInitialPolicies: ['*']\n");
    assertThat(skipped.status()).as(skipped.body()).isEqualTo(201);
    assertThat(
            send(server, "GET", "/meshes/no-defaults/meshretries", null, null)
                .json()
                .get("total")
                .asInt())
        .isZero();
    // As in Kuma, the mesh's policies go with it; only dataplanes keep a mesh.
    assertThat(send(server, "DELETE", "/meshes/defaults", null, null).status()).isEqualTo(200);
  }

  @Test
  void storesPoliciesAndAnswersWhichDataplanesTheySelect() throws Exception {
    assertThat(
            send(
                    server,
                    "PUT",
                    "/meshes/policies",
                    "application/json",
                    "{\"type\":\"Mesh\",\"name\":\"policies\"}")
                .status())
        .isEqualTo(201);
    for (String dp : List.of("web-1", "web-2", "db-1")) {
      Response r =
          send(
              server,
              "PUT",
              "/meshes/policies/dataplanes/" + dp,
              "application/yaml",
              dataplane("policies", dp)
                  .replace(
                      "name: " + dp,
                      "name: " + dp + "\nlabels:\n  app: " + dp.substring(0, dp.indexOf('-'))));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    String timeout =
        """
        type: MeshTimeout
        mesh: policies
        name: web-timeouts
        labels:
          team: web
        spec:
          targetRef:
            kind: Dataplane
            labels:
              app: web
          to:
            - targetRef:
                kind: MeshService
                name: db-1-svc
              default:
                idleTimeout: 1m30s
                http:
                  requestTimeout: 15s
          from:
            - targetRef:
                kind: Mesh
              default:
                connectionTimeout: 2s
        """;
    Response put =
        send(
            server,
            "PUT",
            "/meshes/policies/meshtimeouts/web-timeouts",
            "application/yaml",
            timeout);
    assertThat(put.status()).as(put.body()).isEqualTo(201);
    Response got = send(server, "GET", "/meshes/policies/meshtimeouts/web-timeouts", null, null);
    assertThat(got.status()).isEqualTo(200);
    JsonNode expected =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(timeout);
    ((com.fasterxml.jackson.databind.node.ObjectNode) expected.get("labels"))
        .put("kuma.io/mesh", "policies")
        .put("kuma.io/origin", "zone")
        .put("kuma.io/env", "universal");
    com.fasterxml.jackson.databind.node.ObjectNode body = got.json().deepCopy();
    body.remove(List.of("creationTime", "modificationTime"));
    assertThat(body).isEqualTo(expected);

    String route =
        """
        {"type": "MeshHTTPRoute", "mesh": "policies", "name": "to-db",
         "spec": {"targetRef": {"kind": "MeshService", "name": "db-1-svc"},
          "to": [{"targetRef": {"kind": "MeshService", "name": "db-1-svc"},
                  "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/v2"}}],
                             "default": {"backendRefs": [
                               {"kind": "MeshService", "name": "db-1-svc", "weight": 1}]}}]}]}}
        """;
    Response putRoute =
        send(server, "PUT", "/meshes/policies/meshhttproutes/to-db", "application/json", route);
    assertThat(putRoute.status()).as(putRoute.body()).isEqualTo(201);
    JsonNode gotRoute =
        send(server, "GET", "/meshes/policies/meshhttproutes/to-db", null, null).json();
    assertThat(gotRoute.get("spec")).isEqualTo(JSON.readTree(route).get("spec"));
    assertThat(names(send(server, "GET", "/meshhttproutes", null, null).json())).contains("to-db");

    Response selected =
        send(
            server,
            "GET",
            "/meshes/policies/meshtimeouts/web-timeouts/_resources/dataplanes",
            null,
            null);
    assertThat(selected.status()).as(selected.body()).isEqualTo(200);
    assertThat(selected.json().get("total").asInt()).isEqualTo(2);
    assertThat(selected.json().get("items").get(0))
        .isEqualTo(
            JSON.readTree(
                "{\"kind\":\"Dataplane\",\"mesh\":\"policies\",\"name\":\"web-1\","
                    + "\"labels\":{\"app\":\"web\",\"kuma.io/env\":\"universal\","
                    + "\"kuma.io/mesh\":\"policies\",\"kuma.io/origin\":\"zone\"}}"));
    assertThat(names(selected.json())).containsExactly("web-1", "web-2");
    assertThat(selected.json().get("next").isNull()).isTrue();
    Response firstPage =
        send(
            server,
            "GET",
            "/meshes/policies/meshtimeouts/web-timeouts/_resources/dataplanes?size=1",
            null,
            null);
    assertThat(names(firstPage.json())).containsExactly("web-1");
    assertThat(firstPage.json().get("next").asText()).endsWith("offset=1&size=1");
    JsonNode byRoute =
        send(
                server,
                "GET",
                "/meshes/policies/meshhttproutes/to-db/_resources/dataplanes",
                null,
                null)
            .json();
    assertThat(names(byRoute)).containsExactly("db-1");
    Response missing =
        send(server, "GET", "/meshes/policies/meshretries/nope/_resources/dataplanes", null, null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith("application/problem+json");

    Map<TopicPartition, Long> before = endOffsets();
    Response invalid =
        send(
            server,
            "PUT",
            "/meshes/policies/meshtimeouts/bad",
            "application/yaml",
            """
            type: MeshTimeout
            mesh: policies
            name: bad
            spec:
              to:
                - targetRef: {kind: MeshSubset, tags: {a: b}}
                  default: {idleTimeout: soon, bogus: 1}
              from:
                - targetRef: {kind: MeshService, name: x}
                  default: {http: {requestTimeout: 5}}
            """);
    assertThat(invalid.status()).as(invalid.body()).isEqualTo(400);
    assertThat(invalid.contentType()).startsWith("application/problem+json");
    List<String> fields = new ArrayList<>();
    invalid.json().get("invalid_parameters").forEach(p -> fields.add(p.get("field").asText()));
    assertThat(fields)
        .containsExactlyInAnyOrder(
            "spec.to[0].targetRef.kind",
            "spec.to[0].default.idleTimeout",
            "spec.to[0].default.bogus",
            "spec.from[0].targetRef.kind",
            "spec.from[0].default.http.requestTimeout");
    Response noMesh =
        send(
            server,
            "PUT",
            "/meshes/nomesh/meshretries/r",
            "application/yaml",
            "type: MeshRetry\nmesh: nomesh\nname: r\nspec:\n  to:\n  - targetRef: {kind: Mesh}\n    default: {tcp: {maxConnectAttempt: 2}}\n");
    assertThat(noMesh.status()).as(noMesh.body()).isEqualTo(400);
    assertThat(endOffsets()).as("nothing written by a rejection").isEqualTo(before);
  }

  // --- helpers ---

  private static String dataplane(String mesh, String name) {
    return """
        type: Dataplane
        mesh: %s
        name: %s
        networking:
          address: 10.0.0.1
          inbound:
          - port: 8080
            servicePort: 18080
            tags:
              kuma.io/service: %s-svc
          outbound:
          - port: 10001
            tags:
              kuma.io/service: redis
        """
        .formatted(mesh, name, name);
  }

  private static List<String> names(JsonNode page) {
    List<String> names = new ArrayList<>();
    page.get("items").forEach(i -> names.add(i.get("name").asText()));
    return names;
  }

  private static Map<TopicPartition, Long> endOffsets() throws Exception {
    Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
    for (int p = 0; p < 3; p++) {
      spec.put(new TopicPartition(TOPICS.events(), p), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(spec).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  private static Response send(
      CommandApiServer s, String method, String path, String type, String body) throws Exception {
    return send(s, method, path, type, body, Map.of());
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
