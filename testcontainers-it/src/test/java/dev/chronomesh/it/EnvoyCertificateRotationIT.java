package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.ca.Pem;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * One-minute certificates under traffic between two real Envoy sidecars in Docker ({@link
 * SidecarPair}): the gateway renews each sidecar's identity over SDS at 4/5 of its lifetime, and
 * once both have renewed, the mesh switches to a new builtin CA (the old one kept in {@code
 * backends}). Web calls backend every 1.5 s, each call over a new TLS connection (a MeshTimeout
 * closes web's idle upstream connections after 1 s), so every call handshakes with the certificates
 * and bundles Envoy holds at that moment. No call fails until both Envoys hold certificates of the
 * new CA and backend has seen web's in a handshake. Skipped, with the reason, where no Docker
 * engine exists.
 */
@ExtendWith(DockerEngine.class)
@Testcontainers(disabledWithoutDocker = true)
class EnvoyCertificateRotationIT {
  static final String MESH = "rotating";
  private static final Pattern XFCC_HASH =
      Pattern.compile("X-Forwarded-Client-Cert: [^\\r\\n]*Hash=([0-9a-f]+)");

  @TempDir static Path dataDir;
  static EnvoyTestbed testbed;
  static Rest admin;
  static SidecarPair pair;

  @RegisterExtension
  static final TestWatcher DIAGNOSTICS = EnvoyTestbed.diagnosticsOnFailure(() -> testbed);

  @BeforeAll
  static void start() throws Exception {
    testbed = EnvoyTestbed.start(dataDir);
    admin = testbed.admin;
    put("/meshes/" + MESH, MtlsMeshes.builtin(MESH, "1m"));
    put(
        "/meshes/" + MESH + "/meshtrafficpermissions/web-to-backend",
        MtlsMeshes.webToBackend(MESH, "Allow"));
    put(
        "/meshes/" + MESH + "/meshtimeouts/fresh-connections",
        """
        type: MeshTimeout
        mesh: %s
        name: fresh-connections
        spec:
          targetRef: {kind: Mesh}
          to:
          - targetRef: {kind: MeshService, name: backend}
            default: {idleTimeout: 1s}
        """
            .formatted(MESH));
    pair = testbed.sidecarPair(MESH);
  }

  @AfterAll
  static void stop() {
    if (testbed != null) {
      testbed.close();
    }
  }

  @Test
  void callsOverNewHandshakesSurviveRenewalsAndACaSwitch() {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> pair.callBackend().status() == 200);
    String handshakes = pair.backend.listenerStat(SidecarPair.INBOUND_PORT, "ssl.handshake");
    long handshakesBefore = pair.backend.counters("ssl.handshake").getOrDefault(handshakes, 0L);

    Traffic traffic = new Traffic(caBundle().get(0));
    // A minute's certificate is renewed about 46 s after it is signed; the new CA signs 30 s after
    // it joined the bundle: both sides are on it after about two renewals.
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(1500))
        .until(traffic::round);

    assertThat(traffic.failures).as("failed calls of %d", traffic.calls).isEmpty();
    assertThat(traffic.webIssued).as("web's certificates").hasSizeGreaterThanOrEqualTo(3);
    assertThat(traffic.backendIssued).as("backend's certificates").hasSizeGreaterThanOrEqualTo(3);
    assertThat(traffic.seenByBackend)
        .as("web's certificates backend saw in handshakes")
        .hasSizeGreaterThanOrEqualTo(2);
    assertThat(
            pair.backend.counters("ssl.handshake").getOrDefault(handshakes, 0L) - handshakesBefore)
        .as("backend's inbound handshakes during %d calls", traffic.calls)
        .isGreaterThanOrEqualTo(traffic.calls / 2);
  }

  /** Calls backend once per round and notes the certificates in use, until the switch is done. */
  private static final class Traffic {
    final X509Certificate oldCa;
    final Map<BigInteger, X509Certificate> webIssued = new HashMap<>();
    final Map<BigInteger, X509Certificate> backendIssued = new HashMap<>();

    /** SHA-256 (hex) of each client certificate backend's Envoy reported in XFCC. */
    final Set<String> seenByBackend = new HashSet<>();

    final List<String> failures = new ArrayList<>();
    int calls;
    X509Certificate newCa;
    boolean switched;

    Traffic(X509Certificate oldCa) {
      this.oldCa = oldCa;
    }

    /** One round; true once both sides hold certificates of the new CA, and backend saw web's. */
    boolean round() throws GeneralSecurityException {
      X509Certificate web = pair.web.identity(MESH);
      X509Certificate backend = pair.backend.identity(MESH);
      webIssued.put(web.getSerialNumber(), web);
      backendIssued.put(backend.getSerialNumber(), backend);
      if (!switched && webIssued.size() >= 2 && backendIssued.size() >= 2) {
        assertThat(
                admin
                    .putYaml(
                        "/meshes/" + MESH,
                        MtlsMeshes.builtin(MESH, "ca-2", List.of("ca-1", "ca-2"), "1m"))
                    .statusCode())
            .isEqualTo(200);
        switched = true;
      }
      if (switched && newCa == null) {
        newCa = caBundle().stream().filter(ca -> !ca.equals(oldCa)).findFirst().orElse(null);
      }

      EnvoySidecar.HttpReply reply = pair.callBackend();
      calls++;
      Matcher hash = XFCC_HASH.matcher(reply.body());
      if (reply.status() == 200 && hash.find()) {
        seenByBackend.add(hash.group(1));
      } else {
        failures.add(Instant.now() + " " + reply);
      }
      return newCa != null
          && signedBy(web, newCa)
          && signedBy(backend, newCa)
          && seenByBackend.contains(sha256(web));
    }
  }

  /** The mesh's trust bundle, the enabled backend's CA first. */
  private static List<X509Certificate> caBundle() {
    var bundle = admin.get("/meshes/" + MESH + "/ca");
    assertThat(bundle.statusCode()).isEqualTo(200);
    return Pem.certificates(bundle.body());
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
    try {
      cert.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** As Envoy's XFCC {@code Hash}: the SHA-256 of the certificate's DER, lowercase hex. */
  private static String sha256(X509Certificate cert) throws GeneralSecurityException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
  }

  private static void put(String path, String yaml) {
    assertThat(admin.putYaml(path, yaml).statusCode()).as(path).isEqualTo(201);
  }
}
