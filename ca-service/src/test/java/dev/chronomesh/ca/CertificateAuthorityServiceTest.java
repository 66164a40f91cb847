package dev.chronomesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.ca.v1.GetTrustBundleRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateResponse;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CA service over a real gRPC server on loopback. */
class CertificateAuthorityServiceTest {
  private static final EnvelopeSealer SEALER = new EnvelopeSealer(EnvelopeSealer.newKek());
  private static CaKeyPair ca1;
  private static CaKeyPair ca2;
  private static CaKeyPair provided;
  private static Map<String, MeshState> meshes;

  /** Long after the meshes were written: their enabled CAs are in every peer's bundle. */
  private static final java.time.Instant NOW = TestMeshes.T0.plus(java.time.Duration.ofHours(1));

  private static MeshState withCa;
  private static Server server;
  private static ManagedChannel channel;
  private static CertificateAuthorityGrpc.CertificateAuthorityBlockingStub ca;

  @BeforeAll
  static void start() throws Exception {
    ca1 = RootCa.create("default", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
    ca2 = RootCa.create("default", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
    String web =
        """
        type: Dataplane
        mesh: default
        name: web-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: 8080
            tags: {kuma.io/service: web, version: v1}
          - port: 8081
            tags: {kuma.io/service: web-admin}
        """;
    withCa =
        new TestMeshes("default")
            .apply(
                ResourceType.MESH,
                """
                type: Mesh
                name: default
                mtls:
                  enabledBackend: ca-1
                  backends:
                  - name: ca-1
                    type: builtin
                    dpCert: {rotation: {expiration: 2h}}
                  - name: ca-2
                    type: builtin
                """)
            .apply(ResourceType.DATAPLANE, web)
            .ca("ca-1", ca1, SEALER)
            .ca("ca-2", ca2, SEALER)
            .state();
    MeshState plain =
        new TestMeshes("plain")
            .apply(ResourceType.MESH, "type: Mesh\nname: plain\n")
            .apply(ResourceType.DATAPLANE, web.replace("mesh: default", "mesh: plain"))
            .state();
    MeshState noCaYet =
        new TestMeshes("fresh")
            .apply(
                ResourceType.MESH,
                "type: Mesh\nname: fresh\nmtls:\n  enabledBackend: ca-1\n  backends:\n"
                    + "  - {name: ca-1, type: builtin}\n")
            .apply(ResourceType.DATAPLANE, web.replace("mesh: default", "mesh: fresh"))
            .state();
    // Kuma's provided backend: the user's CA, its certificate inline (base64), its key in a
    // Secret.
    provided = RootCa.create("corp", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
    String inlineCert =
        java.util.Base64.getEncoder()
            .encodeToString(Pem.encode(provided.certificate()).getBytes(StandardCharsets.UTF_8));
    MeshState providedMesh =
        new TestMeshes("corp")
            .secret("corp-ca-key", Pem.encode(provided.privateKey()), SEALER)
            .apply(
                ResourceType.MESH,
                "type: Mesh\nname: corp\nmtls:\n  enabledBackend: ca-corp\n  backends:\n"
                    + "    - name: ca-corp\n      type: provided\n      conf:\n"
                    + "        cert: {inline: "
                    + inlineCert
                    + "}\n        key: {secret: corp-ca-key}\n")
            .apply(ResourceType.DATAPLANE, web.replace("mesh: default", "mesh: corp"))
            .state();
    meshes = Map.of("default", withCa, "plain", plain, "fresh", noCaYet, "corp", providedMesh);
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(
                new CertificateAuthorityService(
                    m -> meshes.getOrDefault(m, MeshState.empty(m)),
                    SEALER,
                    Clock.fixed(NOW, ZoneOffset.UTC)))
            .build()
            .start();
    channel =
        NettyChannelBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()))
            .usePlaintext()
            .build();
    ca = CertificateAuthorityGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void signsWithTheEnabledCaForTheIdentitiesTheMeshGivesTheDataplane() throws Exception {
    KeyPair keys = Csrs.ec("secp256r1");
    SignWorkloadCertificateResponse signed =
        ca.signWorkloadCertificate(request("default", "web-1", Csrs.csr(keys, "CN=anything")));

    X509Certificate cert = Pem.certificates(signed.getCertificatePem()).get(0);
    cert.verify(ca1.certificate().getPublicKey());
    assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(signed.getUriSansList())
        .containsExactly(
            "spiffe://default/web",
            "spiffe://default/web-admin",
            "kuma://kuma.io/service/web",
            "kuma://kuma.io/service/web-admin",
            "kuma://version/v1");
    assertThat(cert.getSubjectAlternativeNames())
        .map(san -> (String) san.get(1))
        .containsExactlyElementsOf(signed.getUriSansList());
    // dpCert.rotation.expiration: 2h
    assertThat(signed.getExpiresAtMs())
        .isEqualTo(NOW.plusSeconds(7200).toEpochMilli())
        .isEqualTo(cert.getNotAfter().getTime());
    // The enabled CA first, then every other backend's: peers rolling to ca-2 still verify.
    assertThat(Pem.certificates(signed.getTrustBundlePem()))
        .containsExactly(ca1.certificate(), ca2.certificate());
  }

  @Test
  void signsWithAnotherBackendUntilTheEnabledOnesCaHadTimeToReachEveryBundle() throws Exception {
    // ca-1's certificate Secret, written after the Mesh that enables it, is what peers fetch.
    java.time.Instant changed =
        withCa
            .get(ResourceType.SECRET, "default.ca-builtin-cert-ca-1")
            .orElseThrow()
            .modificationTime();
    assertThat(changed).isAfter(withCa.meshResource().orElseThrow().modificationTime());
    for (var now : List.of(changed, changed.plus(MeshCas.TRUST_PROPAGATION).minusMillis(1))) {
      Issuance.Ready early = (Issuance.Ready) MeshCas.issuance(withCa, "web-1", SEALER, now);
      assertThat(early.ca().certificate()).as("at %s", now).isEqualTo(ca2.certificate());
      assertThat(early.trusted()).containsExactly(ca1.certificate(), ca2.certificate());
    }
    Issuance.Ready settled =
        (Issuance.Ready)
            MeshCas.issuance(withCa, "web-1", SEALER, changed.plus(MeshCas.TRUST_PROPAGATION));
    assertThat(settled.ca().certificate()).isEqualTo(ca1.certificate());
    // Switched to a backend whose CA the CA service has not created yet: the old one still signs.
    MeshState switching =
        new TestMeshes("switching")
            .apply(
                ResourceType.MESH,
                "type: Mesh\nname: switching\nmtls:\n  enabledBackend: ca-2\n  backends:\n"
                    + "  - {name: ca-1, type: builtin}\n  - {name: ca-2, type: builtin}\n")
            .apply(
                ResourceType.DATAPLANE,
                "type: Dataplane\nmesh: switching\nname: web-1\nnetworking:\n"
                    + "  address: 127.0.0.1\n  inbound: [{port: 80, tags: {kuma.io/service: web}}]\n")
            .ca("ca-1", ca1, SEALER)
            .state();
    Issuance.Ready old = (Issuance.Ready) MeshCas.issuance(switching, "web-1", SEALER, NOW);
    assertThat(old.ca().certificate()).isEqualTo(ca1.certificate());
    assertThat(old.trusted()).containsExactly(ca1.certificate());
    assertThat(MeshCas.trustBundle(switching, "web-1", SEALER).certificates())
        .as("the bundle agrees")
        .containsExactly(ca1.certificate());
    // A mesh with one backend signs with it at once: no peer can trust anything else.
    MeshState fresh =
        new TestMeshes("one")
            .apply(
                ResourceType.MESH,
                "type: Mesh\nname: one\nmtls:\n  enabledBackend: ca-1\n  backends:\n"
                    + "  - {name: ca-1, type: builtin}\n")
            .apply(
                ResourceType.DATAPLANE,
                "type: Dataplane\nmesh: one\nname: web-1\nnetworking:\n  address: 127.0.0.1\n"
                    + "  inbound: [{port: 80, tags: {kuma.io/service: web}}]\n")
            .ca("ca-1", ca1, SEALER)
            .state();
    Issuance.Ready only =
        (Issuance.Ready)
            MeshCas.issuance(
                fresh, "web-1", SEALER, fresh.meshResource().orElseThrow().modificationTime());
    assertThat(only.ca().certificate()).isEqualTo(ca1.certificate());
  }

  @Test
  void answersTheTrustBundleOfEveryBackend() {
    assertThat(
            ca.getTrustBundle(
                    GetTrustBundleRequest.newBuilder()
                        .setMesh("default")
                        .setDataplane("web-1")
                        .build())
                .getTrustBundlePem())
        .isEqualTo(Pem.encodeAll(List.of(ca1.certificate(), ca2.certificate())));
    assertStatus(
        () ->
            ca.getTrustBundle(
                GetTrustBundleRequest.newBuilder().setMesh("plain").setDataplane("web-1").build()),
        Status.Code.FAILED_PRECONDITION,
        "mesh \"plain\" has no mTLS backend enabled");
    assertStatus(
        () -> ca.getTrustBundle(GetTrustBundleRequest.newBuilder().setMesh("Bad Mesh").build()),
        Status.Code.INVALID_ARGUMENT,
        "mesh: invalid name \"Bad Mesh\"");
  }

  @Test
  void aMeshTrustsCasJoinTheBundleAfterTheBackends() throws Exception {
    CaKeyPair partner =
        RootCa.create("partner", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
    MeshState trusting =
        new TestMeshes("default")
            .apply(
                ResourceType.MESH,
                "type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n"
                    + "  - {name: ca-1, type: builtin}\n")
            .apply(
                ResourceType.DATAPLANE,
                "type: Dataplane\nmesh: default\nname: web-1\nnetworking:\n"
                    + "  address: 127.0.0.1\n  inbound: [{port: 80, tags: {kuma.io/service: web}}]\n")
            .ca("ca-1", ca1, SEALER)
            .apply(ResourceType.MESH_TRUST, meshTrust("partner", partner))
            .state();
    assertThat(MeshCas.trustBundle(trusting, "web-1", SEALER).certificates())
        .containsExactly(ca1.certificate(), partner.certificate());
    Issuance.Ready ready = (Issuance.Ready) MeshCas.issuance(trusting, "web-1", SEALER, NOW);
    assertThat(ready.trusted()).containsExactly(ca1.certificate(), partner.certificate());
    assertThat(ready.ca().certificate()).as("a MeshTrust never signs").isEqualTo(ca1.certificate());
  }

  /** A MeshTrust of trust domain {@code <name>.example} listing {@code ca}'s certificate. */
  static String meshTrust(String name, CaKeyPair ca) {
    StringBuilder pem = new StringBuilder();
    for (String line : Pem.encode(ca.certificate()).split("\n")) {
      pem.append("          ").append(line).append('\n');
    }
    return "type: MeshTrust\nmesh: default\nname: "
        + name
        + "\nspec:\n  trustDomain: "
        + name
        + ".example\n  caBundles:\n    - type: Pem\n      pem:\n        value: |\n"
        + pem;
  }

  @Test
  void signsWithAProvidedCaFromItsDataSources() throws Exception {
    SignWorkloadCertificateResponse signed =
        ca.signWorkloadCertificate(
            request("corp", "web-1", Csrs.csr(Csrs.ec("secp256r1"), "CN=x")));

    Pem.certificates(signed.getCertificatePem())
        .get(0)
        .verify(provided.certificate().getPublicKey());
    assertThat(signed.getUriSansList()).contains("spiffe://corp/web");
    assertThat(Pem.certificates(signed.getTrustBundlePem()))
        .containsExactly(provided.certificate());
  }

  @Test
  void answersWhyItCannotSign() throws Exception {
    byte[] csr = Csrs.csr(Csrs.ec("secp256r1"), "CN=x");
    assertStatus(
        () -> ca.signWorkloadCertificate(request("nope", "web-1", csr)),
        Status.Code.NOT_FOUND,
        "mesh \"nope\" does not exist");
    assertStatus(
        () -> ca.signWorkloadCertificate(request("default", "web-9", csr)),
        Status.Code.NOT_FOUND,
        "dataplane \"web-9\" does not exist in mesh \"default\"");
    assertStatus(
        () -> ca.signWorkloadCertificate(request("plain", "web-1", csr)),
        Status.Code.FAILED_PRECONDITION,
        "mesh \"plain\" has no mTLS backend enabled");
    assertStatus(
        () -> ca.signWorkloadCertificate(request("fresh", "web-1", csr)),
        Status.Code.FAILED_PRECONDITION,
        "the CA of backend \"ca-1\" of mesh \"fresh\" has not been created yet");
  }

  @Test
  void namesEveryProblemOfAMalformedRequest() {
    assertStatus(
        () -> ca.signWorkloadCertificate(request("Bad Mesh", "", new byte[] {1, 2})),
        Status.Code.INVALID_ARGUMENT,
        "mesh: invalid name \"Bad Mesh\"");
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> ca.signWorkloadCertificate(request("Bad Mesh", "", new byte[] {1, 2})));
    assertThat(e.getStatus().getDescription())
        .contains("mesh: ", "dataplane: cannot be empty", "csr_der: not a DER-encoded");
  }

  private static SignWorkloadCertificateRequest request(String mesh, String dp, byte[] csr) {
    return SignWorkloadCertificateRequest.newBuilder()
        .setMesh(mesh)
        .setDataplane(dp)
        .setCsrDer(ByteString.copyFrom(csr))
        .build();
  }

  private static void assertStatus(Runnable call, Status.Code code, String description) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).startsWith(description);
            });
  }
}
