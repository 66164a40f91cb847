package dev.chronomesh.commandapi.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.auth.DataplaneClaims;
import dev.chronomesh.auth.DataplaneTokens;
import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.auth.UserRole;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.TokenRevocationResource;
import dev.chronomesh.events.avro.Violation;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token routes on a real Javalin server on a free loopback port, over an in-memory store. */
class TokenRoutesIT {
  private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

  private final ObjectMapper json = new ObjectMapper();
  private final InMemoryAuthStore store = new InMemoryAuthStore();
  private final MutableClock clock = new MutableClock(T0);
  private final TokenAuth auth =
      TokenAuth.create(store, new EnvelopeSealer(EnvelopeSealer.newKek()), clock);
  private final HttpClient http = HttpClient.newHttpClient();
  private Javalin app;
  private String base;
  private String admin;
  private String editorOfDefault;
  private String viewer;

  @BeforeEach
  void start() {
    store.meshes.add("default");
    store.meshes.add("other");
    app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.startupWatcherEnabled = false;
            });
    // What the API's before-handler does: authenticate, and leave the principal as an attribute.
    Authenticator authenticator = auth.authenticator();
    app.before(
        ctx -> {
          try {
            ctx.attribute(
                TokenAuth.PRINCIPAL_ATTRIBUTE,
                authenticator.authenticate(ctx.header("Authorization")));
          } catch (AuthenticationException e) {
            // no principal: the routes answer 401
          }
        });
    auth.installRoutes(app);
    app.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + app.port();
    admin = auth.issueUserToken("root", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1));
    editorOfDefault =
        auth.issueUserToken(
            "ed", List.of(), UserRole.EDITOR, Set.of("default"), Duration.ofHours(1));
    viewer = auth.issueUserToken("vi", List.of(), UserRole.VIEWER, Set.of(), Duration.ofHours(1));
  }

  @AfterEach
  void stop() {
    app.stop();
  }

  private HttpResponse<String> post(String path, String token, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode problem(HttpResponse<String> response, int status) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode body = json.readTree(response.body());
    assertThat(body.get("status").asInt()).isEqualTo(status);
    assertThat(body.get("type").asText()).isEqualTo("/std-errors");
    assertThat(body.get("title").asText()).isNotEmpty();
    assertThat(body.get("detail").asText()).isNotEmpty();
    assertThat(body.get("instance").asText()).startsWith("/tokens/");
    return body;
  }

  private static List<String> fields(JsonNode problem) {
    List<String> fields = new ArrayList<>();
    problem.path("invalid_parameters").forEach(p -> fields.add(p.get("field").asText()));
    return fields;
  }

  @Test
  void adminIssuesUserTokensThatAuthenticate() throws Exception {
    HttpResponse<String> response =
        post(
            "/tokens/user",
            admin,
            "{\"name\":\"jane\",\"groups\":[\"ops\"],\"role\":\"editor\",\"meshes\":[\"a\"],"
                + "\"validFor\":\"30m\"}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    Principal jane = auth.authenticator().authenticate("Bearer " + response.body());
    assertThat(jane.name()).isEqualTo("jane");
    assertThat(jane.role()).isEqualTo(Principal.Role.EDITOR);
    assertThat(jane.meshes()).containsExactly("a");
    assertThat(jane.groups()).containsExactly("ops");

    clock.advance(Duration.ofMinutes(31));
    assertThat(post("/tokens/user", response.body(), "{\"name\":\"x\"}").statusCode())
        .isEqualTo(401);
  }

  @Test
  void userTokensDefaultToViewerFor24Hours() throws Exception {
    HttpResponse<String> response = post("/tokens/user", admin, "{\"name\":\"joe\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    Principal joe = auth.authenticator().authenticate(response.body());
    assertThat(joe.role()).isEqualTo(Principal.Role.VIEWER);
    clock.advance(Duration.ofHours(23));
    assertThat(auth.authenticator().authenticate(response.body()).name()).isEqualTo("joe");
  }

  @Test
  void onlyAdminsIssueUserTokens() throws Exception {
    JsonNode unauthenticated = problem(post("/tokens/user", null, "{\"name\":\"x\"}"), 401);
    assertThat(unauthenticated.get("detail").asText()).contains("Bearer");
    assertThat(
            post("/tokens/user", null, "{\"name\":\"x\"}").headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    problem(post("/tokens/user", "garbage", "{\"name\":\"x\"}"), 401);
    problem(post("/tokens/user", editorOfDefault, "{\"name\":\"x\"}"), 403);
    problem(post("/tokens/user", viewer, "{\"name\":\"x\"}"), 403);
  }

  @Test
  void reportsEveryProblemOfAUserTokenRequest() throws Exception {
    JsonNode body =
        problem(
            post(
                "/tokens/user",
                admin,
                "{\"name\":\"\",\"groups\":[\"ok\",7],\"role\":\"root\",\"meshes\":[\"Bad Mesh\"],"
                    + "\"validFor\":\"forever\",\"extra\":true}"),
            400);
    assertThat(fields(body))
        .containsExactlyInAnyOrder("extra", "name", "groups[1]", "role", "meshes[0]", "validFor");

    assertThat(
            fields(
                problem(
                    post(
                        "/tokens/user",
                        admin,
                        "{\"name\":\"a\",\"role\":\"editor\",\"meshes\":[]}"),
                    400)))
        .containsExactly("meshes");
    assertThat(
            fields(
                problem(
                    post(
                        "/tokens/user",
                        admin,
                        "{\"name\":\"a\",\"role\":\"viewer\",\"meshes\":[\"default\"]}"),
                    400)))
        .containsExactly("meshes");
    assertThat(
            fields(
                problem(
                    post("/tokens/user", admin, "{\"name\":\"a\",\"validFor\":\"3651d\"}"), 400)))
        .containsExactly("validFor");
    problem(post("/tokens/user", admin, "{\"name\":"), 400);
    problem(post("/tokens/user", admin, "[]"), 400);
    problem(post("/tokens/user", admin, ""), 400);
    HttpResponse<String> yaml =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/tokens/user"))
                .header("Authorization", "Bearer " + admin)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("name: a"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    problem(yaml, 415);
  }

  @Test
  void issuesDataplaneTokensWithTheMeshKey() throws Exception {
    HttpResponse<String> response =
        post(
            "/tokens/dataplane",
            editorOfDefault,
            "{\"name\":\"backend-1\",\"mesh\":\"default\",\"type\":\"dataplane\","
                + "\"tags\":{\"kuma.io/service\":[\"backend\"]},\"validFor\":\"24h\"}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    List<Command> keys = store.submittedOfType("SigningKey");
    assertThat(keys)
        .extracting(Command::getMesh, Command::getName)
        .contains(org.assertj.core.groups.Tuple.tuple("default", "dataplane-token-signing-key"));
    DataplaneClaims claims =
        new DataplaneTokens(clock)
            .verify(
                response.body(),
                auth.dataplaneVerifyingKey("default").orElseThrow(),
                "default",
                "backend-1");
    assertThat(claims.tags()).isEqualTo(Map.of("kuma.io/service", List.of("backend")));
    assertThat(claims.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(24)));

    // a second token reuses the mesh's key
    post(
        "/tokens/dataplane",
        admin,
        "{\"name\":\"backend-2\",\"mesh\":\"default\",\"tags\":{\"kuma.io/service\":[\"b\"]}}");
    assertThat(store.submittedOfType("SigningKey")).hasSize(keys.size());
  }

  @Test
  void guardsDataplaneTokens() throws Exception {
    String body =
        "{\"name\":\"dp\",\"mesh\":\"other\",\"tags\":{\"kuma.io/service\":[\"backend\"]}}";
    problem(post("/tokens/dataplane", null, body), 401);
    problem(post("/tokens/dataplane", viewer, body), 403);
    problem(post("/tokens/dataplane", editorOfDefault, body), 403);
    JsonNode missing =
        problem(
            post(
                "/tokens/dataplane",
                admin,
                "{\"name\":\"dp\",\"mesh\":\"nope\",\"tags\":{\"kuma.io/service\":[\"backend\"]}}"),
            404);
    assertThat(missing.get("detail").asText()).contains("nope");
    assertThat(store.submittedOfType("SigningKey"))
        .noneMatch(c -> c.getMesh().equals("nope") || c.getMesh().equals("other"));
  }

  @Test
  void reportsEveryProblemOfADataplaneTokenRequest() throws Exception {
    JsonNode body =
        problem(
            post(
                "/tokens/dataplane",
                admin,
                "{\"name\":\"Bad\",\"type\":\"ingress\",\"tags\":{\"version\":[],"
                    + "\"zone\":[\"a b\"]},\"validFor\":\"0s\"}"),
            400);
    assertThat(fields(body))
        .containsExactlyInAnyOrder(
            "name",
            "mesh",
            "type",
            "tags[\"version\"]",
            "tags[\"zone\"][0]",
            "tags[\"kuma.io/service\"]",
            "validFor");
    assertThat(
            fields(
                problem(
                    post("/tokens/dataplane", admin, "{\"name\":\"a\",\"mesh\":\"default\"}"),
                    400)))
        .containsExactly("tags");
  }

  @Test
  void revokesUserTokens() throws Exception {
    String jane =
        auth.issueUserToken("jane", List.of(), UserRole.VIEWER, Set.of(), Duration.ofHours(1));
    String jti = auth.authenticator().authenticate(jane).tokenId();
    assertThat(get("/tokens/revocations?mesh=_global", jane).statusCode()).isEqualTo(403);

    problem(
        post(
            "/tokens/revocations",
            editorOfDefault,
            "{\"tokenId\":\"" + jti + "\",\"type\":\"user\"}"),
        403);
    HttpResponse<String> response =
        post("/tokens/revocations", admin, "{\"tokenId\":\"" + jti + "\",\"type\":\"user\"}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json.readTree(response.body()))
        .isEqualTo(
            json.readTree("{\"tokenId\":\"" + jti + "\",\"type\":\"user\",\"mesh\":\"_global\"}"));
    Command command = store.submittedOfType("TokenRevocation").get(0);
    assertThat(command.getMesh()).isEqualTo("_global");
    assertThat(command.getName()).isEqualTo(jti);
    assertThat(command.getActor()).isEqualTo("root@127.0.0.1");
    assertThat(((TokenRevocationResource) command.getPayload()).getTokenType()).isEqualTo("user");
    problem(get("/tokens/revocations?mesh=_global", jane), 401);

    JsonNode list = json.readTree(get("/tokens/revocations?mesh=_global", admin).body());
    assertThat(list.get("total").asInt()).isEqualTo(1);
    assertThat(list.get("items").get(0).get("tokenId").asText()).isEqualTo(jti);
    assertThat(list.get("next").isNull()).isTrue();
  }

  @Test
  void revokesDataplaneTokensOfTheEditorsMesh() throws Exception {
    HttpResponse<String> ok =
        post(
            "/tokens/revocations",
            editorOfDefault,
            "{\"tokenId\":\"dp-1\",\"type\":\"dataplane\",\"mesh\":\"default\"}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(store.isRevoked("default", "dp-1")).isTrue();
    assertThat(store.submittedOfType("TokenRevocation").get(0).getActor())
        .isEqualTo("ed@127.0.0.1");

    problem(
        post(
            "/tokens/revocations",
            editorOfDefault,
            "{\"tokenId\":\"dp-2\",\"type\":\"dataplane\",\"mesh\":\"other\"}"),
        403);
    problem(
        post(
            "/tokens/revocations",
            admin,
            "{\"tokenId\":\"dp-2\",\"type\":\"dataplane\",\"mesh\":\"nope\"}"),
        404);
    problem(
        post(
            "/tokens/revocations",
            viewer,
            "{\"tokenId\":\"dp-2\",\"type\":\"dataplane\",\"mesh\":\"default\"}"),
        403);
    assertThat(
            fields(
                problem(
                    post(
                        "/tokens/revocations",
                        admin,
                        "{\"tokenId\":\"a b\",\"type\":\"dataplane\"}"),
                    400)))
        .containsExactlyInAnyOrder("tokenId", "mesh");
    assertThat(
            fields(
                problem(post("/tokens/revocations", admin, "{\"type\":\"session\",\"x\":1}"), 400)))
        .containsExactlyInAnyOrder("tokenId", "type", "x");
    assertThat(
            fields(
                problem(
                    post(
                        "/tokens/revocations",
                        admin,
                        "{\"tokenId\":\"t\",\"type\":\"user\",\"mesh\":\"default\"}"),
                    400)))
        .containsExactly("mesh");
  }

  @Test
  void passesOnTheDecidersRejection() throws Exception {
    store.outcomes =
        result ->
            CommandResult.newBuilder(result)
                .setStatus(409)
                .setTitle("Conflict")
                .setDetail("rejected by the decider")
                .setViolations(List.of(new Violation("name", "taken")))
                .build();
    JsonNode body =
        problem(
            post(
                "/tokens/revocations",
                admin,
                "{\"tokenId\":\"dp-1\",\"type\":\"dataplane\",\"mesh\":\"default\"}"),
            409);
    assertThat(body.get("detail").asText()).isEqualTo("rejected by the decider");
    assertThat(fields(body)).containsExactly("name");
  }

  @Test
  void listsRevocationsPageByPage() throws Exception {
    for (String id : List.of("c", "a", "b")) {
      assertThat(
              post(
                      "/tokens/revocations",
                      admin,
                      "{\"tokenId\":\"" + id + "\",\"type\":\"dataplane\",\"mesh\":\"default\"}")
                  .statusCode())
          .isEqualTo(200);
    }
    JsonNode first = json.readTree(get("/tokens/revocations?mesh=default&size=2", admin).body());
    assertThat(first.get("total").asInt()).isEqualTo(3);
    assertThat(first.get("items").findValuesAsText("tokenId")).containsExactly("a", "b");
    assertThat(first.get("next").asText())
        .isEqualTo("/tokens/revocations?mesh=default&offset=2&size=2");
    JsonNode second = json.readTree(get(first.get("next").asText(), admin).body());
    assertThat(second.get("items").findValuesAsText("tokenId")).containsExactly("c");
    assertThat(second.get("next").isNull()).isTrue();

    assertThat(fields(problem(get("/tokens/revocations", admin), 400))).containsExactly("mesh");
    assertThat(fields(problem(get("/tokens/revocations?mesh=default&size=0&offset=x", admin), 400)))
        .containsExactlyInAnyOrder("size", "offset");
    problem(get("/tokens/revocations?mesh=default", editorOfDefault), 403);
  }
}
