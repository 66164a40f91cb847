package dev.chronomesh.chronoctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.chronomesh.events.Topics;
import dev.chronomesh.launcher.ChronomeshStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** chronoctl against the whole system in this JVM: a real broker, the REST API and the rest. */
class ChronoctlIT {
  static final String KUMA_YAML =
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
              kuma.io/protocol: grpc
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
      type: Secret
      mesh: default
      name: sample-secret
      data: dGVzdAo=
      """;

  @TempDir static Path dir;
  static ChronomeshStack stack;
  static Map<String, String> env;

  @BeforeAll
  static void startStack() throws IOException {
    Path dataDir = Files.createDirectory(dir.resolve("data"));
    stack =
        ChronomeshStack.start(
            new ChronomeshStack.Settings(dataDir, "127.0.0.1", 0, 0, 0, 0, 2, Topics.defaults()));
    env = new HashMap<>();
    env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    env.put("CHRONOCTL_SERVER", stack.apiUrl());
    env.put("CHRONOCTL_TOKEN", stack.adminToken());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  static Chronoctl.Outcome chronoctl(String... args) {
    return Chronoctl.capture(env, args);
  }

  @Test
  void appliesKumaYamlReadsItBackAndDeletes() throws Exception {
    Path file = Files.writeString(dir.resolve("mesh.yaml"), KUMA_YAML);

    // A server-side dry run decides against the current state, so it cannot see a mesh that an
    // earlier document of the same file would create: dry-run the mesh alone.
    Path meshOnly = Files.writeString(dir.resolve("mesh-only.yaml"), "type: Mesh\nname: default\n");
    Chronoctl.Outcome dryRun = chronoctl("apply", "--dry-run", "-f", meshOnly.toString());
    assertThat(dryRun.code()).as(dryRun.err()).isZero();
    assertThat(dryRun.out()).isEqualTo("mesh/default created (dry run)\n");
    Chronoctl.Outcome nothingYet = chronoctl("get", "meshes", "-o", "json");
    assertThat(new YAMLMapper().readTree(nothingYet.out()).path("total").asInt()).isZero();

    Chronoctl.Outcome applied = chronoctl("apply", "-f", file.toString());
    assertThat(applied.code()).as(applied.err()).isZero();
    assertThat(applied.out())
        .isEqualTo(
            "mesh/default created\ndataplane/backend-1 created\ndataplane/web-1 created\n"
                + "secret/sample-secret created\n");

    Chronoctl.Outcome again = chronoctl("apply", "-f", file.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out())
        .isEqualTo(
            "mesh/default updated\ndataplane/backend-1 updated\ndataplane/web-1 updated\n"
                + "secret/sample-secret updated\n");

    // Kuma's default policies came with the mesh, as ordinary policies of it.
    Chronoctl.Outcome retries = chronoctl("get", "meshretries", "-m", "default");
    assertThat(retries.code()).as(retries.err()).isZero();
    assertThat(retries.out()).contains("mesh-retry-all-default");

    Chronoctl.Outcome meshes = chronoctl("get", "meshes", "-o", "yaml");
    assertThat(meshes.code()).as(meshes.err()).isZero();
    JsonNode meshList = new YAMLMapper().readTree(meshes.out());
    assertThat(meshList.path("total").asInt()).isEqualTo(1);
    JsonNode mesh = meshList.path("items").get(0);
    assertThat(mesh.path("name").asText()).isEqualTo("default");
    assertThat(mesh.path("mtls").path("enabledBackend").asText()).isEqualTo("ca-1");
    assertThat(mesh.path("mtls").path("backends").get(0).path("type").asText())
        .isEqualTo("builtin");

    Chronoctl.Outcome table = chronoctl("get", "dataplanes");
    assertThat(table.code()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("MESH", "NAME", "ADDRESS", "SERVICES", "AGE");
    assertThat(words(lines.get(1))).startsWith("default", "backend-1", "127.0.0.1", "backend");
    assertThat(words(lines.get(2))).startsWith("default", "web-1", "127.0.0.2", "web");

    Chronoctl.Outcome meshTable = chronoctl("get", "mesh");
    assertThat(words(meshTable.out().lines().toList().get(1)))
        .startsWith("default", "builtin/ca-1");

    Chronoctl.Outcome one = chronoctl("get", "dp", "web-1", "-o", "yaml");
    assertThat(one.code()).as(one.err()).isZero();
    JsonNode web = new YAMLMapper().readTree(one.out());
    assertThat(web.path("type").asText()).isEqualTo("Dataplane");
    assertThat(web.path("networking").path("outbound").get(0).path("port").asInt())
        .isEqualTo(10001);

    Chronoctl.Outcome deleted = chronoctl("delete", "dataplane", "web-1");
    assertThat(deleted.code()).as(deleted.err()).isZero();
    assertThat(deleted.out()).isEqualTo("dataplane/web-1 deleted\n");

    Chronoctl.Outcome gone = chronoctl("get", "dataplane", "web-1");
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err()).startsWith("Error: Not Found: ");
    Chronoctl.Outcome remaining = chronoctl("get", "dataplanes", "-A", "-o", "json");
    assertThat(remaining.out()).contains("backend-1").doesNotContain("web-1");
    Chronoctl.Outcome secret =
        chronoctl("get", "secret", "sample-secret", "-m", "default", "-o", "json");
    assertThat(secret.code()).as(secret.err()).isZero();
    assertThat(new YAMLMapper().readTree(secret.out()).path("data").asText()).isEqualTo("dGVzdAo=");
  }

  @Test
  void anInvalidResourceIsRefusedWithEveryProblem() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("bad.yaml"),
            """
            type: Dataplane
            mesh: default
            name: broken-1
            networking:
              address: 0.0.0.0
            """);

    Chronoctl.Outcome r = chronoctl("apply", "-f", file.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Error: ").contains("  networking");
  }

  private static List<String> words(String line) {
    return new ArrayList<>(List.of(line.trim().split("\\s+")));
  }
}
