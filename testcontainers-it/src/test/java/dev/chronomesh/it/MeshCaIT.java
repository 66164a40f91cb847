package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.ca.v1.SignWorkloadCertificateRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateResponse;
import dev.chronomesh.launcher.ChronomeshStack;
import dev.chronomesh.launcher.agent.DpAgent;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA service in the whole stack: a Mesh naming a builtin backend gets its CA through the write
 * path, the API shows its certificate and never its key, and a workload's CSR is signed for the
 * identity its Dataplane gives it.
 */
class MeshCaIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  static ChronomeshStack stack;
  static Rest admin;

  @BeforeAll
  static void start() {
    stack = LoopbackStack.start(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void builtinCaIsCreatedOnceShownPubliclyAndSignsWorkloadIdentities() throws Exception {
    assertThat(
            admin
                .putYaml(
                    "/meshes/default",
                    """
                    type: Mesh
                    name: default
                    skipCreatingInitialPolicies: ['*']
                    mtls:
                      enabledBackend: ca-1
                      backends:
                      - name: ca-1
                        type: builtin
                        dpCert: {rotation: {expiration: 1h}}
                        conf: {caCert: {RSAbits: 2048, expiration: 1y}}
                    """)
                .statusCode())
        .isEqualTo(201);

    HttpResponse<String> bundle =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> admin.get("/meshes/default/ca"), r -> r.statusCode() == 200);
    List<X509Certificate> cas = certificates(bundle.body());
    assertThat(cas).hasSize(1);
    X509Certificate ca = cas.get(0);
    assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=default,OU=Mesh,O=Kuma");
    assertThat(ca.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://default"));

    // Kuma's two Secrets: the certificate readable, the key never.
    JsonNode cert =
        JSON.readTree(admin.get("/meshes/default/secrets/default.ca-builtin-cert-ca-1").body());
    assertThat(
            new String(
                Base64.getDecoder().decode(cert.path("data").asText()), StandardCharsets.UTF_8))
        .isEqualTo(bundle.body());
    HttpResponse<String> key = admin.get("/meshes/default/secrets/default.ca-builtin-key-ca-1");
    assertThat(key.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(key.body()).has("data")).isFalse();
    assertThat(key.body()).doesNotContain("PRIVATE KEY");

    assertThat(
            admin
                .putYaml(
                    "/meshes/default/dataplanes/web-1",
                    """
                    type: Dataplane
                    mesh: default
                    name: web-1
                    networking:
                      address: 127.0.0.1
                      inbound:
                      - port: 8080
                        tags: {kuma.io/service: web, version: v1}
                    """)
                .statusCode())
        .isEqualTo(201);

    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = g.generateKeyPair();
    byte[] csr =
        new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=web-1"), keys.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
            .getEncoded();
    String[] hostPort = stack.caAddress().split(":");
    // The CA service talks mTLS only: a caller without a control-plane certificate is refused in
    // the handshake; the gateway's certificate (what the gateway presents) gets through.
    ManagedChannel plaintext =
        NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
            .usePlaintext()
            .build();
    try {
      assertThatThrownBy(
              () ->
                  CertificateAuthorityGrpc.newBlockingStub(plaintext)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .signWorkloadCertificate(request("web-1", new byte[] {1})))
          .isInstanceOfSatisfying(
              io.grpc.StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
    } finally {
      plaintext.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    Path controlPlane = dataDir.resolve("control-plane");
    ManagedChannel anonymousTls =
        io.grpc.Grpc.newChannelBuilder(
                stack.caAddress(),
                io.grpc.TlsChannelCredentials.newBuilder()
                    .trustManager(controlPlane.resolve("ca.pem").toFile())
                    .build())
            .build();
    try {
      assertThatThrownBy(
              () ->
                  CertificateAuthorityGrpc.newBlockingStub(anonymousTls)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .signWorkloadCertificate(request("web-1", new byte[] {1})))
          .as("TLS without a client certificate")
          .isInstanceOf(io.grpc.StatusRuntimeException.class);
    } finally {
      anonymousTls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // Another component's certificate of the same CA: its handshake succeeds, its call does not.
    ManagedChannel otherComponent = controlPlaneChannel(controlPlane, "ca-service");
    try {
      assertThatThrownBy(
              () ->
                  CertificateAuthorityGrpc.newBlockingStub(otherComponent)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .signWorkloadCertificate(request("web-1", new byte[] {1})))
          .isInstanceOfSatisfying(
              io.grpc.StatusRuntimeException.class,
              e ->
                  assertThat(e.getStatus().getCode())
                      .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED));
    } finally {
      otherComponent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    ManagedChannel channel = controlPlaneChannel(controlPlane, "xds-gateway");
    try {
      CertificateAuthorityGrpc.CertificateAuthorityBlockingStub client =
          CertificateAuthorityGrpc.newBlockingStub(channel);
      // The dataplane's event may not have reached the CA service's view yet.
      SignWorkloadCertificateResponse signed =
          await()
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(
                  () ->
                      client
                          .withDeadlineAfter(10, TimeUnit.SECONDS)
                          .signWorkloadCertificate(request("web-1", csr)),
                  r -> true);
      X509Certificate workload = certificates(signed.getCertificatePem()).get(0);
      workload.verify(ca.getPublicKey());
      assertThat(workload.getPublicKey()).isEqualTo(keys.getPublic());
      assertThat(signed.getUriSansList())
          .containsExactly(
              "spiffe://default/web", "kuma://kuma.io/service/web", "kuma://version/v1");
      assertThat(certificates(signed.getTrustBundlePem())).containsExactly(ca);
      assertThat(workload.getNotAfter().getTime() - workload.getNotBefore().getTime())
          .isEqualTo(Duration.ofHours(1).plusSeconds(10).toMillis());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // Through the gateway's door, with the dataplane's token: its own certificate only.
    String token = XdsClients.dataplaneToken(admin, "default", "web-1", "web");
    String[] gw = stack.xdsAddress().split(":");
    ManagedChannel gateway =
        NettyChannelBuilder.forAddress(gw[0], Integer.parseInt(gw[1])).usePlaintext().build();
    try {
      Metadata auth = new Metadata();
      auth.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      CertificateAuthorityGrpc.CertificateAuthorityBlockingStub withToken =
          CertificateAuthorityGrpc.newBlockingStub(gateway)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth))
              .withDeadlineAfter(30, TimeUnit.SECONDS);
      SignWorkloadCertificateResponse viaGateway =
          withToken.signWorkloadCertificate(request("web-1", csr));
      certificates(viaGateway.getCertificatePem()).get(0).verify(ca.getPublicKey());
      assertThat(viaGateway.getUriSansList()).contains("spiffe://default/web");
      // Another dataplane's certificate with web-1's token, or none without a token: refused.
      assertUnauthenticated(() -> withToken.signWorkloadCertificate(request("backend-1", csr)));
      assertUnauthenticated(
          () ->
              CertificateAuthorityGrpc.newBlockingStub(gateway)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .signWorkloadCertificate(request("web-1", csr)));
      // The proxyless agent: its own key, a CSR through the gateway, the files grpc-xds reads.
      Path tokenFile = dataDir.resolve("web-1.token");
      Files.writeString(tokenFile, token);
      Path files = dataDir.resolve("web-1-certs");
      X509Certificate issued =
          new DpAgent(
                  gateway,
                  "default",
                  "web-1",
                  tokenFile,
                  files,
                  Duration.ofSeconds(10),
                  Clock.systemUTC())
              .renewOnce();
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(files.resolve("key.pem"))))
          .isEqualTo("rw-------");
      X509Certificate written = certificates(Files.readString(files.resolve("cert.pem"))).get(0);
      assertThat(written).isEqualTo(issued);
      written.verify(ca.getPublicKey());
      assertThat(certificates(Files.readString(files.resolve("ca.pem")))).containsExactly(ca);
      java.security.PrivateKey writtenKey =
          dev.chronomesh.ca.Pem.privateKey(Files.readString(files.resolve("key.pem")));
      java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
      signer.initSign(writtenKey);
      signer.update(new byte[] {1, 2, 3});
      byte[] signature = signer.sign();
      java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(written.getPublicKey());
      verifier.update(new byte[] {1, 2, 3});
      assertThat(verifier.verify(signature)).as("key.pem is the certificate's key").isTrue();
    } finally {
      gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // Created once: exactly one event per CA Secret, written by the CA service.
    JsonNode events = JSON.readTree(admin.get("/events?mesh=default&type=Secret").body());
    List<String> writes = new java.util.ArrayList<>();
    events
        .path("items")
        .forEach(e -> writes.add(e.path("name").asText() + " " + e.path("actor").asText()));
    assertThat(writes)
        .containsExactlyInAnyOrder(
            "default.ca-builtin-key-ca-1 system@chronomesh/ca-service",
            "default.ca-builtin-cert-ca-1 system@chronomesh/ca-service");
  }

  /** A channel to the CA service presenting {@code component}'s control-plane certificate. */
  private static ManagedChannel controlPlaneChannel(Path controlPlane, String component)
      throws java.io.IOException {
    return io.grpc.Grpc.newChannelBuilder(
            stack.caAddress(),
            io.grpc.TlsChannelCredentials.newBuilder()
                .keyManager(
                    controlPlane.resolve(component + ".pem").toFile(),
                    controlPlane.resolve(component + "-key.pem").toFile())
                .trustManager(controlPlane.resolve("ca.pem").toFile())
                .build())
        .build();
  }

  private static SignWorkloadCertificateRequest request(String dataplane, byte[] csr) {
    return SignWorkloadCertificateRequest.newBuilder()
        .setMesh("default")
        .setDataplane(dataplane)
        .setCsrDer(ByteString.copyFrom(csr))
        .build();
  }

  private static void assertUnauthenticated(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            io.grpc.StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
  }

  private static List<X509Certificate> certificates(String pem) throws Exception {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
        .stream()
        .map(c -> (X509Certificate) c)
        .toList();
  }
}
