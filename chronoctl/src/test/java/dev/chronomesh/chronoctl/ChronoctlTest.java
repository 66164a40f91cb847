package dev.chronomesh.chronoctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.chronomesh.chronoctl.FakeApiServer.Answer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChronoctlTest extends FakeServerCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  static final String MULTI_DOC =
      """
      type: Mesh
      name: default
      mtls:
        enabledBackend: ca-1
        backends:
          - name: ca-1
            type: builtin
      ---
      type: Dataplane
      mesh: default
      name: backend-1
      networking:
        address: 127.0.0.1
        inbound:
          - port: 50051
            tags:
              kuma.io/service: backend
      ---
      type: Dataplane
      mesh: default
      name: web-1
      networking:
        address: 127.0.0.2
        inbound:
          - port: 20000
            tags:
              kuma.io/service: web
        outbound:
          - port: 10001
            tags:
              kuma.io/service: backend
      ---
      """;

  @Override
  Instant now() {
    return NOW;
  }

  @Test
  void appliesEveryDocumentOfAMultiDocumentFileInOrder() throws Exception {
    Path file = Files.writeString(dir.resolve("mesh.yaml"), MULTI_DOC);
    server.answer("PUT /meshes/default", Answer.json(201, "{}"));
    server.answer("PUT /meshes/default/dataplanes/backend-1", Answer.json(201, "{}"));
    server.answer("PUT /meshes/default/dataplanes/web-1", Answer.json(200, "{}"));

    Result r = run("apply", "-f", file.toString(), "--token", "t0k3n");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo("mesh/default created\ndataplane/backend-1 created\ndataplane/web-1 updated\n");
    List<FakeApiServer.Request> calls = server.calls();
    assertThat(calls)
        .extracting(FakeApiServer.Request::method, FakeApiServer.Request::target)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("PUT", "/meshes/default"),
            org.assertj.core.groups.Tuple.tuple("PUT", "/meshes/default/dataplanes/backend-1"),
            org.assertj.core.groups.Tuple.tuple("PUT", "/meshes/default/dataplanes/web-1"));
    assertThat(calls)
        .allSatisfy(c -> assertThat(c.header("Authorization")).isEqualTo("Bearer t0k3n"));
    JsonNode mesh = JSON.readTree(calls.get(0).body());
    assertThat(mesh.path("mtls").path("backends").get(0).path("type").asText())
        .isEqualTo("builtin");
    assertThat(calls.get(0).header("Content-Type")).isEqualTo("application/json");
    JsonNode web = JSON.readTree(calls.get(2).body());
    assertThat(web.path("networking").path("outbound").get(0).path("port").asInt())
        .isEqualTo(10001);
  }

  @Test
  void appliesADirectorySortedThenStdin() throws Exception {
    Path manifests = Files.createDirectory(dir.resolve("manifests"));
    Files.writeString(manifests.resolve("b.yml"), "type: Mesh\nname: b\n");
    Files.writeString(manifests.resolve("a.json"), "{\"type\": \"Mesh\", \"name\": \"a\"}");
    Files.writeString(manifests.resolve("notes.txt"), "not a manifest");
    for (String m : List.of("a", "b", "c")) {
      server.answer("PUT /meshes/" + m, Answer.json(201, "{}"));
    }

    Result r =
        runWithStdin("type: Mesh\nname: c\n", "apply", "-f", manifests.toString(), "-f", "-");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("mesh/a created\nmesh/b created\nmesh/c created\n");
  }

  @Test
  void dryRunAsksTheServerWithoutWriting() throws Exception {
    Path file = Files.writeString(dir.resolve("mesh.yaml"), "type: Mesh\nname: demo\n");
    server.answer("PUT /meshes/demo?dryRun=true", Answer.json(201, "{}"));

    Result r = run("apply", "--dry-run", "-f", file.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("mesh/demo created (dry run)\n");
    assertThat(server.calls())
        .extracting(FakeApiServer.Request::target)
        .containsExactly("/meshes/demo?dryRun=true");
  }

  @Test
  void invalidInputIsReportedWholeAndNothingIsSent() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("bad.yaml"),
            "type: Mesh\nname: ok\n---\ntype: Dataplane\nname: no-mesh\n---\ntype: Gizmo\nname: g\n"
                + "---\nname: untyped\n");
    Path broken = Files.writeString(dir.resolve("broken.yaml"), "type: Mesh\nname: [unclosed\n");

    Result r = run("apply", "-f", file.toString(), "-f", broken.toString(), "-f", "missing.yaml");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("nothing was applied")
        .contains("bad.yaml#2: mesh: cannot be empty for a Dataplane")
        .contains("bad.yaml#3: type: unknown resource type \"Gizmo\"")
        .contains("bad.yaml#4: type: cannot be empty")
        .contains("broken.yaml: not valid YAML")
        .contains("missing.yaml: no such file or directory");
    assertThat(server.calls()).isEmpty();
  }

  @Test
  void applyStopsAtTheFirstRefusalAndPrintsTheProblem() throws Exception {
    Path file = Files.writeString(dir.resolve("mesh.yaml"), MULTI_DOC);
    server.answer("PUT /meshes/default", Answer.json(200, "{}"));
    server.answer(
        "PUT /meshes/default/dataplanes/backend-1",
        Answer.problem(
            400,
            """
            {"type": "/std-errors", "title": "Bad Request", "status": 400,
             "detail": "Dataplane \\"backend-1\\" is not valid", "instance": "/x",
             "invalid_parameters": [
               {"field": "networking.address", "reason": "must be a valid IP address"},
               {"field": "networking.inbound[0].port", "reason": "must be in the range 1-65535"}]}
            """));

    Result r = run("apply", "-f", file.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEqualTo("mesh/default updated\n");
    assertThat(r.err())
        .isEqualTo(
            "dataplane/backend-1 ("
                + file
                + "#2) was not applied:\n"
                + "Error: Bad Request: Dataplane \"backend-1\" is not valid\n"
                + "  networking.address: must be a valid IP address\n"
                + "  networking.inbound[0].port: must be in the range 1-65535\n");
    assertThat(server.calls()).hasSize(2);
  }

  static String meshJson(String name, String created, boolean mtls) {
    String m =
        mtls
            ? ", \"mtls\": {\"enabledBackend\": \"ca-1\", \"backends\": [{\"name\": \"ca-1\","
                + " \"type\": \"builtin\"}]}"
            : "";
    return "{\"type\": \"Mesh\", \"name\": \""
        + name
        + "\", \"creationTime\": \""
        + created
        + "\""
        + m
        + "}";
  }

  static String dataplaneJson(String mesh, String name, String address, String... services) {
    StringBuilder inbound = new StringBuilder();
    for (int i = 0; i < services.length; i++) {
      inbound
          .append(i > 0 ? "," : "")
          .append("{\"port\": ")
          .append(1000 + i)
          .append(", \"tags\": {\"kuma.io/service\": \"")
          .append(services[i])
          .append("\"}}");
    }
    return """
        {"type": "Dataplane", "mesh": "%s", "name": "%s", "creationTime": "2026-01-02T02:00:00Z",
         "networking": {"address": "%s", "inbound": [%s]}}"""
        .formatted(mesh, name, address, inbound);
  }

  @Test
  void getMeshesPrintsATable() {
    server.answer(
        "GET /meshes",
        Answer.json(
            200,
            "{\"total\": 2, \"items\": ["
                + meshJson("default", "2026-01-02T03:03:35Z", true)
                + ","
                + meshJson("other-mesh", "2025-12-20T00:00:00Z", false)
                + "], \"next\": null}"));

    Result r = run("get", "meshes");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            NAME         MTLS           AGE
            default      builtin/ca-1   30s
            other-mesh   off            13d
            """);
  }

  @Test
  void getDataplanesFollowsNextPagesAndDefaultsToMeshDefault() {
    server.answer(
        "GET /meshes/default/dataplanes",
        Answer.json(
            200,
            "{\"total\": 2, \"items\": ["
                + dataplaneJson("default", "backend-1", "10.0.0.1", "backend", "admin")
                + "], \"next\": \""
                + server.url()
                + "/meshes/default/dataplanes?offset=1&size=1\"}"));
    server.answer(
        "GET /meshes/default/dataplanes?offset=1&size=1",
        Answer.json(
            200,
            "{\"total\": 2, \"items\": ["
                + dataplaneJson("default", "web-1", "10.0.0.2", "web")
                + "], \"next\": null}"));

    Result r = run("get", "dp");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            MESH      NAME        ADDRESS    SERVICES        AGE
            default   backend-1   10.0.0.1   admin,backend   64m
            default   web-1       10.0.0.2   web             64m
            """);
  }

  @Test
  void getAcrossMeshesUsesTheCrossMeshListAndPrintsYaml() throws Exception {
    server.answer(
        "GET /dataplanes",
        Answer.json(
            200,
            "{\"total\": 1, \"items\": ["
                + dataplaneJson("other", "db-1", "10.0.0.3", "db")
                + "], \"next\": null}"));

    Result r = run("get", "dataplanes", "-A", "-o", "yaml");

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode doc = new YAMLMapper().readTree(r.out());
    assertThat(doc.path("total").asInt()).isEqualTo(1);
    assertThat(doc.path("items").get(0).path("mesh").asText()).isEqualTo("other");
    assertThat(r.out()).contains("kuma.io/service: db");
  }

  @Test
  void getOneResourceAsJsonAndYaml() throws Exception {
    server.answer(
        "GET /meshes/demo/dataplanes/db-1",
        Answer.json(200, dataplaneJson("demo", "db-1", "10.0.0.3", "db")));

    Result json = run("get", "dataplane", "db-1", "--mesh", "demo", "-o", "json");
    Result yaml = run("get", "dataplane", "db-1", "-m", "demo", "-o", "yaml");

    assertThat(json.code()).as(json.err()).isZero();
    assertThat(JSON.readTree(json.out()).path("name").asText()).isEqualTo("db-1");
    assertThat(yaml.out()).startsWith("type: Dataplane\nmesh: demo\nname: db-1\n");
  }

  @Test
  void deleteSendsDelete() {
    server.answer("DELETE /meshes/demo/dataplanes/db-1", Answer.json(200, "{}"));

    Result r = run("delete", "dp", "db-1", "-m", "demo");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("dataplane/db-1 deleted\n");
    assertThat(server.calls())
        .extracting(FakeApiServer.Request::method, FakeApiServer.Request::target)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("DELETE", "/meshes/demo/dataplanes/db-1"));
  }

  @Test
  void generatesADataplaneToken() throws Exception {
    server.answer("POST /tokens/dataplane", Answer.text(200, "eyJ.dp.token"));

    Result r =
        run(
            "generate",
            "dataplane-token",
            "--name",
            "backend-1",
            "--mesh",
            "default",
            "--tag",
            "kuma.io/service=backend,backend-api",
            "--tag",
            "team=a",
            "--valid-for",
            "7d");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("eyJ.dp.token\n");
    JsonNode body = JSON.readTree(server.calls().get(0).body());
    assertThat(body)
        .isEqualTo(
            JSON.readTree(
                """
                {"name": "backend-1", "mesh": "default",
                 "tags": {"kuma.io/service": ["backend", "backend-api"], "team": ["a"]},
                 "type": "dataplane", "validFor": "7d"}
                """));
  }

  /** {@code generate grpc-bootstrap} of default/web-1 with this token file and more options. */
  private Result generateGrpcBootstrap(String tokenFile, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "generate",
                "grpc-bootstrap",
                "-m",
                "default",
                "--name",
                "web-1",
                "--token-file",
                tokenFile));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  @Test
  void generatesTheGrpcBootstrapWithAbsolutePathsAndWritesItToTheOutputFile() throws Exception {
    String relativeToken = "web 1.token";
    String token = Path.of(relativeToken).toAbsolutePath().toString();
    String query =
        "?tokenFile="
            + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8)
            + "&certDir=%2Fvar%2Frun%2Fweb-1&xdsAddress=gw.example%3A5678";
    server.answer(
        "GET /meshes/default/dataplanes/web-1/_grpc-bootstrap" + query,
        Answer.json(200, "{\"node\": {\"id\": \"default.web-1\"}}"));
    Path output = dir.resolve("bootstrap.json");

    Result r =
        generateGrpcBootstrap(
            relativeToken,
            "--cert-dir",
            "/var/run/web-1/",
            "--xds-address",
            "gw.example:5678",
            "-o",
            output.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(Files.readString(output)).isEqualTo("{\"node\": {\"id\": \"default.web-1\"}}\n");
  }

  @Test
  void aRefusedBootstrapNamesEachParameterAndWritesNoFile() {
    server.answer(
        "GET /meshes/default/dataplanes/web-1/_grpc-bootstrap",
        Answer.problem(
            400,
            """
            {"type": "/std-errors", "title": "Bad Request", "status": 400,
             "detail": "cannot generate the grpc-xds bootstrap",
             "invalid_parameters": [{"field": "certDir", "reason": "is required"}]}
            """));
    Path output = dir.resolve("never.json");

    Result r = generateGrpcBootstrap("/etc/web-1.token", "-o", output.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "Error: Bad Request: cannot generate the grpc-xds bootstrap\n"
                + "  certDir: is required\n");
    assertThat(output).doesNotExist();
  }

  @Test
  void generatesAUserToken() throws Exception {
    server.answer("POST /tokens/user", Answer.text(200, "eyJ.user.token\n"));

    Result r =
        run(
            "generate",
            "user-token",
            "--name",
            "jane",
            "--role",
            "editor",
            "-m",
            "a",
            "-m",
            "b",
            "--valid-for",
            "24h");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("eyJ.user.token\n");
    assertThat(JSON.readTree(server.calls().get(0).body()))
        .isEqualTo(
            JSON.readTree(
                """
                {"name": "jane", "groups": [], "role": "editor", "meshes": ["a", "b"],
                 "validFor": "24h"}
                """));
  }

  @Test
  void usageErrorsExitWithTwoAndSendNothing() {
    assertThat(run("frobnicate").code()).isEqualTo(2);
    assertThat(run("get").code()).isEqualTo(2);
    assertThat(run("generate", "user-token", "--name", "x", "--role", "root").code()).isEqualTo(2);
    assertThat(
            run("generate", "dataplane-token", "--name", "x", "-m", "m", "--valid-for", "1y")
                .code())
        .isEqualTo(2);
    assertThat(
            run("generate", "dataplane-token", "--name", "x", "-m", "m", "--tag", "novalue").code())
        .isEqualTo(2);
    Result unknownType = run("get", "gizmos");
    assertThat(unknownType.code()).isEqualTo(2);
    assertThat(unknownType.err()).contains("unknown resource type \"gizmos\"").contains("dp");
    assertThat(server.calls()).isEmpty();
  }

  @Test
  void aRefusalExitsWithOneAndPrintsTheProblem() {
    Result r = run("get", "mesh", "nope");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: Not Found: no canned answer for GET /meshes/nope\n");
  }

  @Test
  void serverErrorsAndUnreachableServersExitWithThree() throws Exception {
    server.answer(
        "GET /meshes",
        new Answer(
            504,
            "application/problem+json",
            "{\"title\": \"Gateway Timeout\", \"status\": 504, \"detail\": \"Kafka did not answer\"}",
            Map.of("Retry-After", "1", "Location", "/commands/r-1")));
    Result timeout = run("get", "meshes");
    assertThat(timeout.code()).isEqualTo(3);
    assertThat(timeout.err())
        .startsWith("Error: Gateway Timeout: Kafka did not answer\n")
        .contains("GET /commands/r-1");

    int port = server.url().lastIndexOf(':');
    String deadUrl;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadUrl = "http://127.0.0.1:" + socket.getLocalPort();
    }
    Result unreachable = run("get", "meshes", "--server", deadUrl);
    assertThat(unreachable.code()).as("port %s", port).isEqualTo(3);
    assertThat(unreachable.err()).startsWith("Error: cannot reach the server at " + deadUrl);
  }

  @Test
  void fallsBackToBuiltInTypesWhenTheServerHasNoResourceIndex() {
    server.forget("GET /_resources");
    server.answer(
        "GET /meshes/default/dataplanes",
        Answer.json(200, "{\"total\": 0, \"items\": [], \"next\": null}"));

    Result r = run("get", "dataplanes");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("MESH   NAME   ADDRESS   SERVICES   AGE\n");
  }

  @Test
  void configSetWritesAPrivateFileAndViewMasksTheToken() throws Exception {
    env.remove("CHRONOCTL_SERVER");
    Result set = run("config", "set", "--server", server.url(), "--token", "secret-token-1234");

    assertThat(set.code()).as(set.err()).isZero();
    Path file = dir.resolve("config/chronomesh/chronoctl.yaml");
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(file.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    JsonNode saved = new YAMLMapper().readTree(file.toFile());
    assertThat(saved.path("server").asText()).isEqualTo(server.url());
    assertThat(saved.path("token").asText()).isEqualTo("secret-token-1234");

    Result view = run("config", "view");
    assertThat(view.out()).contains("token: ****1234").doesNotContain("secret-token");

    // The saved server and token are used ...
    server.answer("GET /meshes", Answer.json(200, "{\"total\": 0, \"items\": [], \"next\": null}"));
    assertThat(run("get", "meshes").code()).isZero();
    assertThat(server.calls().get(0).header("Authorization")).isEqualTo("Bearer secret-token-1234");
    // ... the environment overrides the file's token ...
    env.put("CHRONOCTL_TOKEN", "from-env");
    assertThat(run("get", "meshes").code()).isZero();
    assertThat(server.calls().get(1).header("Authorization")).isEqualTo("Bearer from-env");
    env.remove("CHRONOCTL_TOKEN");

    // ... and changing the server forgets the token so it never reaches another server.
    Result moved = run("config", "set", "--server", "http://127.0.0.1:1");
    assertThat(moved.out()).contains("is removed");
    assertThat(new YAMLMapper().readTree(file.toFile()).has("token")).isFalse();
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void theFileTokenIsNotSentToAnotherServer() {
    env.remove("CHRONOCTL_SERVER");
    assertThat(run("config", "set", "--server", "http://127.0.0.1:1", "--token", "t").code())
        .isZero();
    server.answer("GET /meshes", Answer.json(200, "{\"total\": 0, \"items\": [], \"next\": null}"));

    assertThat(run("get", "meshes", "--server", server.url()).code()).isZero();

    assertThat(server.calls().get(0).header("Authorization")).isNull();
  }

  @Test
  void rejectsABadServerUrlAndABrokenConfigFile() throws Exception {
    assertThat(run("config", "set", "--server", "ftp://x").code()).isEqualTo(2);
    Path file = dir.resolve("config/chronomesh/chronoctl.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "server: 42\ncolour: blue\n");
    env.remove("CHRONOCTL_SERVER");

    Result r = run("get", "meshes");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("server: must be a string").contains("colour: unknown key");
  }

  @Test
  void helpListsTheExitCodes() {
    Result r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Exit codes:").contains("3   the server could not be reached");
  }
}
