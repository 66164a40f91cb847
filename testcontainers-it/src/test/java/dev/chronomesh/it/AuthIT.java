package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.launcher.ChronomeshStack;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Authentication and authorization of the admin API, end to end with issued tokens. */
class AuthIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  static ChronomeshStack stack;
  static Rest admin;

  @BeforeAll
  static void start() {
    stack = LoopbackStack.start(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
    assertThat(admin.putYaml("/meshes/a", "type: Mesh\nname: a\n").statusCode()).isEqualTo(201);
    assertThat(admin.putYaml("/meshes/b", "type: Mesh\nname: b\n").statusCode()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void missingMalformedAndForgedTokensAre401() {
    assertProblem(new Rest(stack.apiUrl(), null).get("/meshes"), 401);
    assertProblem(new Rest(stack.apiUrl(), "not-a-jwt").get("/meshes"), 401);

    String[] parts = stack.adminToken().split("\\.");
    String unsigned = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
    assertProblem(new Rest(stack.apiUrl(), unsigned).get("/meshes"), 401);

    // The admin token's claims with a viewer's signature: the signature does not match.
    String viewer = issue("{\"name\":\"v\",\"role\":\"viewer\",\"validFor\":\"1h\"}");
    String spliced = parts[0] + "." + parts[1] + "." + viewer.split("\\.")[2];
    assertProblem(new Rest(stack.apiUrl(), spliced).get("/meshes"), 401);
  }

  @Test
  void viewersReadButCannotWrite() {
    Rest viewer =
        new Rest(
            stack.apiUrl(), issue("{\"name\":\"vic\",\"role\":\"viewer\",\"validFor\":\"1h\"}"));

    assertThat(viewer.get("/meshes/a").statusCode()).isEqualTo(200);
    assertProblem(viewer.putYaml("/meshes/c", "type: Mesh\nname: c\n"), 403);
    assertProblem(viewer.post("/tokens/user", "{\"name\":\"x\",\"role\":\"admin\"}"), 403);
  }

  @Test
  void editorsWriteOnlyTheirMeshesAndBecomeTheEventsActor() throws Exception {
    Rest editor =
        new Rest(
            stack.apiUrl(),
            issue("{\"name\":\"eve\",\"role\":\"editor\",\"meshes\":[\"a\"],\"validFor\":\"1h\"}"));

    assertThat(editor.putYaml("/meshes/a/dataplanes/dp-1", dataplane("a")).statusCode())
        .isEqualTo(201);
    assertProblem(editor.putYaml("/meshes/b/dataplanes/dp-1", dataplane("b")), 403);
    assertProblem(editor.putYaml("/meshes/z", "type: Mesh\nname: z\n"), 403);

    JsonNode events = JSON.readTree(admin.get("/events?mesh=a&type=Dataplane").body());
    assertThat(events.get("items").get(0).get("actor").asText()).isEqualTo("eve@127.0.0.1");
  }

  @Test
  void revokedUserTokensAre401() throws Exception {
    String token = issue("{\"name\":\"rita\",\"role\":\"viewer\",\"validFor\":\"1h\"}");
    Rest rita = new Rest(stack.apiUrl(), token);
    assertThat(rita.get("/meshes").statusCode()).isEqualTo(200);

    String jti =
        JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1])).get("jti").asText();
    HttpResponse<String> revoked =
        admin.post("/tokens/revocations", "{\"tokenId\":\"" + jti + "\",\"type\":\"user\"}");
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);

    assertProblem(rita.get("/meshes"), 401);
  }

  private static String issue(String body) {
    HttpResponse<String> response = admin.post("/tokens/user", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body().trim();
  }

  private static void assertProblem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String dataplane(String mesh) {
    return """
        type: Dataplane
        mesh: %s
        name: dp-1
        networking:
          address: 127.0.0.1
          inbound:
            - port: 8080
              tags:
                kuma.io/service: web
        """
        .formatted(mesh);
  }
}
