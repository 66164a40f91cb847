package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * Two real Envoy sidecars in Docker ({@link SidecarPair}), configured by the whole stack over ADS,
 * talk the mesh's mTLS to each other: web's outbound listener reaches backend's inbound with web's
 * SPIFFE identity (the gateway serves both identities and the mesh's CA over SDS),
 * MeshTrafficPermission's RBAC on backend's inbound decides within seconds, and a caller without a
 * certificate of the mesh gets nothing (in a PERMISSIVE mesh: gets in, in plaintext). Skipped, with
 * the reason, where no Docker engine exists.
 */
@ExtendWith(DockerEngine.class)
@Testcontainers(disabledWithoutDocker = true)
class EnvoySidecarMtlsIT {
  static final String MESH = "sidecars";
  static final DockerImageName CURL = DockerImageName.parse("curlimages/curl:8.11.1");

  @TempDir static Path dataDir;
  static EnvoyTestbed testbed;
  static SidecarPair pair;

  /** A container on the network holding no certificate of the mesh, with curl. */
  static GenericContainer<?> outsider;

  /** On a failure, what both Envoys hold and count: the first thing to read. */
  @RegisterExtension
  static final TestWatcher DIAGNOSTICS = EnvoyTestbed.diagnosticsOnFailure(() -> testbed);

  @BeforeAll
  @SuppressWarnings("resource") // closed with the testbed
  static void start() throws Exception {
    testbed = EnvoyTestbed.start(dataDir);
    put("/meshes/" + MESH, MtlsMeshes.builtin(MESH, null));
    apply("Allow");
    pair = testbed.sidecarPair(MESH);
    outsider =
        testbed.add(
            new GenericContainer<>(CURL)
                .withNetwork(testbed.network)
                .withCommand("tail", "-f", "/dev/null"));
    outsider.start();
  }

  @AfterAll
  static void stop() {
    if (testbed != null) {
      testbed.close();
    }
  }

  /** Every test starts from web reaching backend (the first waits for xDS, SDS and the CA). */
  @BeforeEach
  void webReachesBackend() {
    apply("Allow");
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> pair.callBackend().status() == 200);
  }

  @Test
  void webReachesBackendOverMtlsWithItsSpiffeIdentity() {
    EnvoySidecar.HttpReply reply = pair.callBackend();
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    // whoami echoes what backend's Envoy forwarded: the caller's URI, from its certificate.
    assertThat(reply.body())
        .contains("X-Forwarded-Client-Cert: ")
        .contains("By=spiffe://" + MESH + "/backend")
        .contains("URI=spiffe://" + MESH + "/web");

    // Each Envoy holds the identity the CA service signed for it, and they handshook.
    assertThat(pair.backend.certificates())
        .anySatisfy(c -> assertThat(c.uris()).contains("spiffe://" + MESH + "/backend"));
    assertThat(pair.web.certificates())
        .anySatisfy(c -> assertThat(c.uris()).contains("spiffe://" + MESH + "/web"));
    String inboundHandshakes = pair.backend.listenerStat(SidecarPair.INBOUND_PORT, "ssl.handshake");
    assertThat(pair.backend.counters("ssl.handshake"))
        .as("backend's inbound listener completed TLS handshakes")
        .hasEntrySatisfying(inboundHandshakes, n -> assertThat(n).isPositive());
    assertThat(pair.web.counters("cluster.backend.ssl.handshake"))
        .as("web's cluster backend completed TLS handshakes")
        .hasEntrySatisfying("cluster.backend.ssl.handshake", n -> assertThat(n).isPositive());
  }

  @Test
  void meshTrafficPermissionDeniesAndAllowsWebWithinSeconds() {
    apply("Deny");
    EnvoySidecar.HttpReply denied =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(pair::callBackend, r -> r.status() == 403);
    assertThat(denied.body()).contains("RBAC: access denied");

    apply("Allow");
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> pair.callBackend().status() == 200);
  }

  @Test
  void aCallerWithoutAMeshCertificateIsRefusedByBackendsInbound() throws Exception {
    // Plain HTTP to an inbound that speaks only TLS: no HTTP answer at all.
    Container.ExecResult plain = curl("http://" + pair.backendInbound() + "/");
    assertThat(plain.getExitCode()).as("curl's exit code (%s)", plain.getStderr()).isNotZero();
    assertThat(plain.getStdout()).isEqualTo("000");

    // TLS without a client certificate (-k: the outsider cannot verify backend either): the
    // handshake ends with TLS 1.3's alert certificate_required.
    Container.ExecResult noCert = curl("-k", "https://" + pair.backendInbound() + "/");
    assertThat(noCert.getExitCode()).as("curl's exit code (%s)", noCert.getStderr()).isNotZero();
    assertThat(noCert.getStdout()).isEqualTo("000");
    assertThat(noCert.getStderr()).containsIgnoringCase("certificate");

    // The application answers the outsider directly (no transparent proxying in this layout):
    // what refused it above was backend's Envoy, not a dead backend.
    Container.ExecResult direct = curl("http://" + pair.appAddress() + "/");
    assertThat(direct.getStdout()).as(direct.getStderr()).isEqualTo("200");
  }

  /**
   * PERMISSIVE: backend's Envoy tells plaintext from mesh mTLS with its TLS inspector. The outsider
   * gets through in plaintext, with no identity and so past any permission, while web's mTLS calls
   * still meet the RBAC filter; back to STRICT, the outsider is refused again.
   */
  @Test
  void aPermissiveMeshLetsAPlaintextCallerInAndKeepsPermissionsOnMeshMtls() throws Exception {
    String strict = MtlsMeshes.builtin(MESH, null);
    String permissive = MtlsMeshes.permissive(MESH, null);
    assertThat(testbed.admin.putYaml("/meshes/" + MESH, permissive).statusCode()).isEqualTo(200);
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> curl("http://" + pair.backendInbound() + "/").getStdout().equals("200"));

      apply("Deny");
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(pair::callBackend, r -> r.status() == 403);
      Container.ExecResult plain = curl("http://" + pair.backendInbound() + "/");
      assertThat(plain.getStdout()).as(plain.getStderr()).isEqualTo("200");
    } finally {
      assertThat(testbed.admin.putYaml("/meshes/" + MESH, strict).statusCode()).isEqualTo(200);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> curl("http://" + pair.backendInbound() + "/").getStdout().equals("000"));
  }

  /** curl from the outsider; prints only the HTTP status code ({@code 000}: none). */
  private static Container.ExecResult curl(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5"));
    command.addAll(List.of(args));
    return outsider.execInContainer(command.toArray(String[]::new));
  }

  /** Gives web {@code action} on backend (MeshTrafficPermission {@code web-to-backend}). */
  private static void apply(String action) {
    assertThat(
            testbed
                .admin
                .putYaml(
                    "/meshes/" + MESH + "/meshtrafficpermissions/web-to-backend",
                    MtlsMeshes.webToBackend(MESH, action))
                .statusCode())
        .isIn(200, 201);
  }

  private static void put(String path, String yaml) {
    assertThat(testbed.admin.putYaml(path, yaml).statusCode()).as(path).isEqualTo(201);
  }
}
