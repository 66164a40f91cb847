package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.kafka.FreePorts;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chronomesh up} as its own process: SIGKILL it, start it again on the same data directory,
 * and it serves the same meshes and dataplanes, and the same config version to a proxy. The proxy
 * presents a dataplane token issued through the API, as {@code up} requires by default; one without
 * a token is refused.
 */
class UpRestartIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  private Process process;

  @AfterEach
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void sigkillAndRestartServesTheSameStateAndVersion() throws Exception {
    int apiPort = FreePorts.next();
    int xdsPort = FreePorts.next();
    int kafkaPort = FreePorts.next();
    int controllerPort = FreePorts.next();
    int xdsHttpPort = FreePorts.next();
    List<String> args =
        List.of(
            "up",
            "--data-dir",
            dataDir.toString(),
            "--api-port",
            Integer.toString(apiPort),
            "--xds-port",
            Integer.toString(xdsPort),
            "--kafka-port",
            Integer.toString(kafkaPort),
            "--kafka-controller-port",
            Integer.toString(controllerPort),
            "--xds-http-port",
            Integer.toString(xdsHttpPort),
            "--partitions",
            "2");
    Rest probe = new Rest("http://127.0.0.1:" + apiPort, null);

    process = startUp(args, "first");
    awaitReady(probe);
    // The gateway's disk cache of the fleet's configs lives under the data directory.
    await("the gateway's disk cache under the data directory")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Path cache = dataDir.resolve("xds-cache");
              if (!Files.isDirectory(cache)) {
                return false;
              }
              try (var dirs = Files.list(cache)) {
                return dirs.anyMatch(d -> d.getFileName().toString().startsWith("chronomesh-xds-"));
              }
            });
    Rest rest =
        new Rest(
            "http://127.0.0.1:" + apiPort, Files.readString(dataDir.resolve("admin-token")).trim());
    assertThat(rest.putYaml("/meshes/default", "type: Mesh\nname: default\n").statusCode())
        .isEqualTo(201);
    assertThat(
            rest.putYaml("/meshes/default/dataplanes/backend-1", backend(FreePorts.next()))
                .statusCode())
        .isEqualTo(201);
    assertThat(
            rest.putYaml("/meshes/default/dataplanes/web-1", WalkingSkeletonIT.webDataplane())
                .statusCode())
        .isEqualTo(201);
    // `up` requires dataplane tokens: without one, or with another dataplane's, web-1 is refused.
    String token = XdsClients.dataplaneToken(rest, "default", "web-1", "web");
    awaitRefused(xdsPort, null);
    awaitRefused(xdsPort, XdsClients.dataplaneToken(rest, "default", "backend-1", "backend"));
    String before = awaitClustersVersion(xdsPort, token);
    String dataplanesBefore = rest.get("/meshes/default/dataplanes").body();

    long pid = process.pid();
    process.destroyForcibly(); // SIGKILL on Unix
    assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

    process = startUp(args, "second");
    awaitReady(probe);
    JsonNode meshes = JSON.readTree(rest.get("/meshes").body());
    assertThat(meshes.get("total").asInt()).isEqualTo(1);
    assertThat(meshes.get("items").get(0).get("name").asText()).isEqualTo("default");
    assertThat(JSON.readTree(rest.get("/meshes/default/dataplanes").body()))
        .isEqualTo(JSON.readTree(dataplanesBefore));
    // The signing key is in the log, so the token issued before the restart is still good.
    assertThat(awaitClustersVersion(xdsPort, token)).isEqualTo(before);
    awaitRefused(xdsPort, null);
  }

  /** Waits until the gateway refuses web-1's stream presenting {@code token} (null: none). */
  /**
   * The control-plane CA {@code up} made at its first start (and kept across the restart): the xDS
   * port is TLS by default, verified against it.
   */
  private Path controlPlaneCa() {
    return dataDir.resolve("control-plane").resolve("ca.pem");
  }

  private void awaitRefused(int xdsPort, String token) {
    await("web-1 refused with UNAUTHENTICATED, token " + (token == null ? "none" : "of another"))
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Status status =
                  AdsProbe.refusal(
                      "127.0.0.1", xdsPort, controlPlaneCa(), "default.web-1", token, 5);
              return status != null && status.getCode() == Status.Code.UNAUTHENTICATED;
            });
  }

  private String awaitClustersVersion(int xdsPort, String token) {
    String[] version = new String[1];
    await("a clusters response for default.web-1")
        .atMost(Duration.ofSeconds(120))
        .until(
            () -> {
              DiscoveryResponse r =
                  AdsProbe.firstClusters(
                      "127.0.0.1", xdsPort, controlPlaneCa(), "default.web-1", token, 5);
              if (r == null || r.getResourcesCount() < 2) {
                return false; // the clusters of backend and web
              }
              version[0] = r.getVersionInfo();
              return true;
            });
    return version[0];
  }

  private static void awaitReady(Rest rest) {
    await("chronomesh up is ready")
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> rest.get("/readyz").statusCode() == 200);
  }

  private Process startUp(List<String> args, String label) throws IOException {
    return ChronomeshProcess.start(args, "up-" + label);
  }

  private static String backend(int port) {
    return """
        type: Dataplane
        mesh: default
        name: backend-1
        networking:
          address: 127.0.0.1
          inbound:
            - port: %d
              tags:
                kuma.io/service: backend
        """
        .formatted(port);
  }
}
