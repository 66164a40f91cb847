package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.ca.BuiltinCaConf;
import dev.chronomesh.ca.CaKeyPair;
import dev.chronomesh.ca.Pem;
import dev.chronomesh.ca.RootCa;
import dev.chronomesh.ca.WorkloadCertificates;
import dev.chronomesh.events.ProxylessBootstrap;
import dev.chronomesh.kafka.FreePorts;
import dev.chronomesh.launcher.ChronomeshStack;
import dev.chronomesh.launcher.agent.DpAgent;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsServerBuilder;
import io.grpc.xds.XdsServerCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proxyless gRPC over the mesh's mTLS, end to end with real grpc-xds on both sides: an xDS-enabled
 * {@code backend} server and a {@code web} client, each with the key, certificate and trust bundle
 * {@code dp-agent} got for it through the gateway, both configured by the xDS resources the
 * projector generated for a Mesh with a builtin CA.
 */
class ProxylessMtlsIT {
  /** The caller's SPIFFE ID as the backend's TLS session saw it. */
  private static final Context.Key<String> PEER = Context.key("peer-spiffe-id");

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
  void webCallsBackendOverMtlsAsPermittedAndAStrangerIsRefusedInTheHandshake() throws Exception {
    put("/meshes/default", MtlsMeshes.builtin("default", null));
    put("/meshes/other", MtlsMeshes.builtin("other", null));
    apply(permission("default", "Allow"));
    int backendPort = FreePorts.next();
    put(
        "/meshes/default/dataplanes/backend-1",
        MtlsMeshes.proxylessDataplane("default", "backend-1", "backend", backendPort));
    put(
        "/meshes/default/dataplanes/web-1",
        MtlsMeshes.proxylessDataplane("default", "web-1", "web", FreePorts.next()));
    put(
        "/meshes/other/dataplanes/web-1",
        MtlsMeshes.proxylessDataplane("other", "web-1", "web", FreePorts.next()));

    ManagedChannel gateway = plaintext(stack.xdsAddress());
    Server backend = null;
    ManagedChannel web = null;
    try {
      Path backendToken = tokenFile("default", "backend-1", "backend");
      Path backendCerts = certificates(gateway, "default", "backend-1", backendToken);
      Path webToken = tokenFile("default", "web-1", "web");
      Path webCerts = certificates(gateway, "default", "web-1", webToken);
      Path strangerCerts =
          certificates(gateway, "other", "web-1", tokenFile("other", "web-1", "web"));

      backend = backend("default", backendPort, backendToken, backendCerts, null);

      web =
          XdsClients.mtlsChannel(
              stack.xdsAddress(), "default.web-1", "backend", webToken, webCerts);
      ManagedChannel client = web;
      String answer =
          await()
              .atMost(Duration.ofSeconds(60))
              .ignoreExceptions()
              .until(() -> XdsClients.who(client), a -> true);
      assertThat(answer).startsWith("backend-1 for spiffe://default/web ");

      // MeshTrafficPermission, enforced by the backend's RBAC filter: denying web fails its calls
      // within seconds, allowing it again restores them; nothing restarts.
      apply(permission("default", "Deny"));
      StatusRuntimeException denied =
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> {
                    try {
                      XdsClients.who(client);
                      return null;
                    } catch (StatusRuntimeException e) {
                      return e;
                    }
                  },
                  e -> e != null);
      assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      apply(permission("default", "Allow"));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> XdsClients.who(client), a -> a.startsWith("backend-1 for "));

      // A client whose certificate another mesh's CA signed: refused in the TLS handshake, while
      // the same plain TLS client holding web-1's certificate gets through.
      assertThatThrownBy(() -> direct(backendPort, strangerCerts, webCerts))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("UNAVAILABLE");
      assertThat(direct(backendPort, webCerts, webCerts))
          .startsWith("backend-1 for spiffe://default/web ");
    } finally {
      if (web != null) {
        XdsClients.close(web);
      }
      if (backend != null) {
        backend.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      gateway.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A MeshTrust (Kuma 2.14) makes the backend accept a client whose certificate a partner's CA
   * signed for its own trust domain, while a client of a CA nobody listed stays refused in the
   * handshake. Nothing restarts: the backend's running agent fetches the bundle with the
   * MeshTrust's CA into its files, grpc-java re-reads them; deleting the MeshTrust takes the CA
   * away again.
   */
  @Test
  void aMeshTrustsCaIsTrustedByTheMeshWithoutARestartAndAnUnknownCaIsNot() throws Exception {
    put("/meshes/trusting", MtlsMeshes.builtin("trusting", null));
    apply(
        new Resource(
            "/meshes/trusting/meshtrafficpermissions/partner-to-backend",
            """
            type: MeshTrafficPermission
            mesh: trusting
            name: partner-to-backend
            spec:
              targetRef: {kind: MeshService, name: backend}
              rules:
              - default:
                  allow: [{spiffeID: {type: Exact, value: "spiffe://partner.example/web"}}]
            """));
    int backendPort = FreePorts.next();
    put(
        "/meshes/trusting/dataplanes/backend-1",
        MtlsMeshes.proxylessDataplane("trusting", "backend-1", "backend", backendPort));
    CaKeyPair partnerCa =
        RootCa.create("partner", BuiltinCaConf.DEFAULT, Instant.now(), new SecureRandom());
    CaKeyPair unknownCa =
        RootCa.create("partner", BuiltinCaConf.DEFAULT, Instant.now(), new SecureRandom());
    ManagedChannel gateway = plaintext(stack.xdsAddress());
    ExecutorService agents = Executors.newSingleThreadExecutor();
    Server backend = null;
    try {
      Path backendToken = tokenFile("trusting", "backend-1", "backend");
      Path backendCerts = certificates(gateway, "trusting", "backend-1", backendToken);
      runAgents(agents, gateway, "trusting", Map.of("backend-1", backendToken));
      backend = backend("trusting", backendPort, backendToken, backendCerts, Duration.ofSeconds(1));
      Path partner = clientOf(partnerCa, "spiffe://partner.example/web", "partner");
      Path unknown = clientOf(unknownCa, "spiffe://partner.example/web", "unknown");
      // Before the MeshTrust: refused.
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> handshakeRefused(backendPort, partner, backendCerts));

      put(
          "/meshes/trusting/meshtrusts/partner",
          MtlsMeshes.meshTrust(
              "trusting", "partner", "partner.example", Pem.encode(partnerCa.certificate())));
      String answer =
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(500))
              .ignoreExceptions()
              .until(() -> direct(backendPort, partner, backendCerts), a -> true);
      assertThat(answer).startsWith("backend-1 for spiffe://partner.example/web ");
      assertThat(handshakeRefused(backendPort, unknown, backendCerts)).isTrue();

      assertThat(admin.delete("/meshes/trusting/meshtrusts/partner").statusCode()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> handshakeRefused(backendPort, partner, backendCerts));
    } finally {
      agents.shutdownNow();
      agents.awaitTermination(10, TimeUnit.SECONDS);
      if (backend != null) {
        backend.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      gateway.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * MeshIdentities (Kuma 2.14, Bundled, autogenerated CAs) give backend and web their templated
   * SPIFFE IDs: the running agents renew into them once the identities' CAs have reached every
   * bundle, web verifies backend's new identity, backend sees web's, and a MeshTrafficPermission
   * rule naming web's new SPIFFE ID lets it in. Nothing restarts.
   */
  @Test
  void meshIdentitiesGiveTheirTemplatedIdsAndTheMeshTrustsAndPermitsThem() throws Exception {
    put("/meshes/ids", MtlsMeshes.builtin("ids", null));
    for (String[] id :
        List.of(
            new String[] {"backend-identity", "backend", "/workload/{{ .Workload }}"},
            new String[] {"web-identity", "web", "/app/{{ label \\\"app\\\" }}"})) {
      put(
          "/meshes/ids/meshidentities/" + id[0],
          """
          type: MeshIdentity
          mesh: ids
          name: %s
          spec:
            selector: {dataplane: {matchLabels: {app: %s}}}
            spiffeID: {path: "%s"}
            provider:
              type: Bundled
              bundled: {autogenerate: {enabled: true}, insecureAllowSelfSigned: true}
          """
              .formatted(id[0], id[1], id[2]));
    }
    String webId = "spiffe://ids.default.mesh.local/app/web";
    apply(
        new Resource(
            "/meshes/ids/meshtrafficpermissions/web-to-backend",
            """
            type: MeshTrafficPermission
            mesh: ids
            name: web-to-backend
            spec:
              targetRef: {kind: MeshService, name: backend}
              rules:
              - default:
                  allow:
                  - {spiffeID: {type: Exact, value: "spiffe://ids/web"}}
                  - {spiffeID: {type: Exact, value: "%s"}}
            """
                .formatted(webId)));
    int backendPort = FreePorts.next();
    put(
        "/meshes/ids/dataplanes/backend-1",
        MtlsMeshes.proxylessDataplane("ids", "backend-1", "backend", backendPort)
            .replace(
                "chronomesh.io/proxy-type: proxyless",
                "chronomesh.io/proxy-type: proxyless\n  app: backend\n  kuma.io/workload: backend-v1"));
    put(
        "/meshes/ids/dataplanes/web-1",
        MtlsMeshes.proxylessDataplane("ids", "web-1", "web", FreePorts.next())
            .replace(
                "chronomesh.io/proxy-type: proxyless",
                "chronomesh.io/proxy-type: proxyless\n  app: web"));

    ManagedChannel gateway = plaintext(stack.xdsAddress());
    ExecutorService agents = Executors.newFixedThreadPool(2);
    Server backend = null;
    ManagedChannel web = null;
    try {
      Path backendToken = tokenFile("ids", "backend-1", "backend");
      Path backendCerts = certificates(gateway, "ids", "backend-1", backendToken);
      Path webToken = tokenFile("ids", "web-1", "web");
      Path webCerts = certificates(gateway, "ids", "web-1", webToken);
      runAgents(agents, gateway, "ids", Map.of("backend-1", backendToken, "web-1", webToken));
      backend = backend("ids", backendPort, backendToken, backendCerts, Duration.ofSeconds(1));
      web = XdsClients.mtlsChannel(stack.xdsAddress(), "ids.web-1", "backend", webToken, webCerts);
      ManagedChannel client = web;
      // The identities' CAs reach every bundle first (30 s), then the agents renew into them.
      String answer =
          await()
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofSeconds(1))
              .ignoreExceptions()
              .until(
                  () -> XdsClients.who(client), a -> a.startsWith("backend-1 for " + webId + " "));
      assertThat(answer).startsWith("backend-1 for " + webId);
      assertThat(uriSans(backendCerts))
          .containsExactly("spiffe://ids.default.mesh.local/workload/backend-v1");
      assertThat(uriSans(webCerts)).containsExactly(webId);
    } finally {
      agents.shutdownNow();
      agents.awaitTermination(10, TimeUnit.SECONDS);
      if (web != null) {
        XdsClients.close(web);
      }
      if (backend != null) {
        backend.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      gateway.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** The URI SANs of the certificate in {@code certs}. */
  private static List<String> uriSans(Path certs) throws Exception {
    try (var in = Files.newInputStream(certs.resolve("cert.pem"))) {
      X509Certificate cert =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      List<String> out = new ArrayList<>();
      for (List<?> san : cert.getSubjectAlternativeNames()) {
        if (san.get(0).equals(6)) {
          out.add(san.get(1).toString());
        }
      }
      return out;
    }
  }

  /** Whether a call with the identity in {@code identity} fails in the TLS handshake. */
  private static boolean handshakeRefused(int port, Path identity, Path trust) throws Exception {
    try {
      direct(port, identity, trust);
      return false;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        return true;
      }
      throw e;
    }
  }

  /**
   * A client identity {@code uri} signed by {@code ca}: key.pem and cert.pem in a new directory.
   */
  private static Path clientOf(CaKeyPair ca, String uri, String name) throws IOException {
    KeyPair key = WorkloadCertificates.newKey();
    X509Certificate cert =
        WorkloadCertificates.issue(
            ca,
            key.getPublic(),
            List.of(uri),
            Duration.ofHours(1),
            Instant.now(),
            new SecureRandom());
    Path dir = Files.createDirectories(dataDir.resolve(name + "-client"));
    Files.writeString(dir.resolve("key.pem"), Pem.encode(key.getPrivate()));
    Files.writeString(dir.resolve("cert.pem"), Pem.encode(cert));
    return dir;
  }

  /**
   * Certificates of one minute, renewed by running agents at 4/5 of their lifetime, while web calls
   * backend every 100 ms; after the first renewal the mesh switches to a new builtin CA. No call
   * fails across three renewals of both sides and the CA rotation: the agents fetch the new CA into
   * their bundles before the CA service signs with it ({@code MeshCas.TRUST_PROPAGATION}), and the
   * old CA stays trusted while it is a backend. The server ends every connection after 3 s (max
   * connection age, a graceful GOAWAY), so handshakes keep happening with whatever certificates are
   * current, as they would over hours in production.
   */
  @Test
  void callsEvery100msSurviveThreeRenewalsAndACaRotation() throws Exception {
    String oneCa = MtlsMeshes.builtin("rotating", "1m");
    String twoCas = MtlsMeshes.builtin("rotating", "ca-2", List.of("ca-1", "ca-2"), "1m");
    put("/meshes/rotating", oneCa);
    apply(permission("rotating", "Allow"));
    int backendPort = FreePorts.next();
    put(
        "/meshes/rotating/dataplanes/backend-1",
        MtlsMeshes.proxylessDataplane("rotating", "backend-1", "backend", backendPort));
    put(
        "/meshes/rotating/dataplanes/web-1",
        MtlsMeshes.proxylessDataplane("rotating", "web-1", "web", FreePorts.next()));

    ManagedChannel gateway = plaintext(stack.xdsAddress());
    ExecutorService agents = Executors.newFixedThreadPool(2);
    Server backend = null;
    ManagedChannel web = null;
    try {
      Path backendToken = tokenFile("rotating", "backend-1", "backend");
      Path backendCerts = certificates(gateway, "rotating", "backend-1", backendToken);
      Path webToken = tokenFile("rotating", "web-1", "web");
      Path webCerts = certificates(gateway, "rotating", "web-1", webToken);
      runAgents(agents, gateway, "rotating", Map.of("backend-1", backendToken, "web-1", webToken));
      backend = backend("rotating", backendPort, backendToken, backendCerts, Duration.ofSeconds(3));
      web =
          XdsClients.mtlsChannel(
              stack.xdsAddress(), "rotating.web-1", "backend", webToken, webCerts);
      ManagedChannel client = web;
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> XdsClients.who(client), a -> true);

      Set<String> webIssued = new HashSet<>();
      Set<String> backendIssued = new HashSet<>();
      Set<String> seenByBackend = new HashSet<>();
      Set<String> webByNewCa = new HashSet<>();
      X509Certificate newCa = null;
      boolean switched = false;
      List<String> failures = new ArrayList<>();
      int calls = 0;
      // Three renewals each (four certificates of each side in use, the backend's handshakes saw
      // four of web's; a minute's certificate is renewed after about 46 s), and both sides on the
      // new CA, the backend having seen web's certificate of the new CA.
      while (webIssued.size() < 4
          || backendIssued.size() < 4
          || seenByBackend.size() < 4
          || newCa == null
          || !signedBy(backendCerts, newCa)
          || !seenByBackend.stream().anyMatch(webByNewCa::contains)) {
        assertThat(calls).as("calls before three renewals and the CA rotation").isLessThan(3_000);
        webIssued.add(serial(webCerts));
        backendIssued.add(serial(backendCerts));
        if (!switched && webIssued.size() >= 2 && backendIssued.size() >= 2) {
          assertThat(admin.putYaml("/meshes/rotating", twoCas).statusCode()).isEqualTo(200);
          switched = true;
        }
        if (switched && newCa == null) {
          newCa = caOf("rotating", "ca-2");
        }
        if (newCa != null && signedBy(webCerts, newCa)) {
          webByNewCa.add(serial(webCerts));
        }
        try {
          String answer = XdsClients.who(client);
          seenByBackend.add(answer.substring(answer.lastIndexOf(' ') + 1));
        } catch (StatusRuntimeException e) {
          failures.add(Instant.now() + " " + e.getStatus());
        }
        calls++;
        Thread.sleep(100);
      }
      assertThat(failures).as("failed calls of %d", calls).isEmpty();
    } finally {
      agents.shutdownNow();
      agents.awaitTermination(10, TimeUnit.SECONDS);
      if (web != null) {
        XdsClients.close(web);
      }
      if (backend != null) {
        backend.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      gateway.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The xDS-enabled backend on {@code port} of loopback, answering who it is and who called (the
   * caller's SPIFFE ID and certificate serial); {@code maxConnectionAge} null: connections live.
   */
  private static Server backend(
      String mesh, int port, Path token, Path certs, Duration maxConnectionAge) throws IOException {
    XdsServerBuilder builder =
        XdsServerBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", port),
                XdsServerCredentials.create(InsecureServerCredentials.create()))
            .overrideBootstrapForTest(
                ProxylessBootstrap.of(
                    stack.xdsAddress(),
                    mesh,
                    "backend-1",
                    ProxylessBootstrap.Credentials.dataplaneToken(token, null),
                    certs,
                    "1s"))
            .addService(ServerInterceptors.intercept(whoCalls("backend-1"), peerIdentity()));
    if (maxConnectionAge != null) {
      builder.maxConnectionAge(maxConnectionAge.toMillis(), TimeUnit.MILLISECONDS);
      builder.maxConnectionAgeGrace(10, TimeUnit.SECONDS);
    }
    return builder.build().start();
  }

  /** The CA certificate of a builtin backend, once the CA service has created it; else null. */
  private static X509Certificate caOf(String mesh, String backend) throws Exception {
    var secret = admin.get("/meshes/" + mesh + "/secrets/" + mesh + ".ca-builtin-cert-" + backend);
    if (secret.statusCode() != 200) {
      return null;
    }
    String data =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(secret.body())
            .path("data")
            .asText();
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(
                new java.io.ByteArrayInputStream(Base64.getDecoder().decode(data)));
  }

  private static boolean signedBy(Path certs, X509Certificate ca) throws Exception {
    try (var in = Files.newInputStream(certs.resolve("cert.pem"))) {
      ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .verify(ca.getPublicKey());
      return true;
    } catch (java.security.SignatureException | java.security.InvalidKeyException e) {
      return false;
    }
  }

  private static String serial(Path certs) throws Exception {
    try (var in = Files.newInputStream(certs.resolve("cert.pem"))) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber()
          .toString(16);
    }
  }

  /**
   * One call straight to the backend's port with a TLS client holding the key and certificate in
   * {@code identity} and trusting the CA bundle in {@code trust}: no xDS on this side.
   */
  private static String direct(int port, Path identity, Path trust) throws Exception {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1",
                port,
                TlsChannelCredentials.newBuilder()
                    .keyManager(
                        identity.resolve("cert.pem").toFile(), identity.resolve("key.pem").toFile())
                    .trustManager(chainOnly(trust.resolve("ca.pem")))
                    .build())
            .build();
    try {
      return ClientCalls.blockingUnaryCall(
          channel,
          WhoAmIServer.WHO,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          "?");
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Trusts a chain the CA in {@code caPem} signed, without a host name check: a workload
   * certificate names its SPIFFE ID (a URI SAN), no host.
   */
  private static X509ExtendedTrustManager chainOnly(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (var in = Files.newInputStream(caPem)) {
      int i = 0;
      for (var ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, ca);
      }
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    X509TrustManager pkix = (X509TrustManager) factory.getTrustManagers()[0];
    return new X509ExtendedTrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        throw new CertificateException("a client only");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        throw new CertificateException("a client only");
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        throw new CertificateException("a client only");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
      }
    };
  }

  private static ServerServiceDefinition whoCalls(String name) {
    return ServerServiceDefinition.builder("chronomesh.test.WhoAmI")
        .addMethod(
            WhoAmIServer.WHO,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  response.onNext(name + " for " + PEER.get());
                  response.onCompleted();
                }))
        .build();
  }

  /** Puts the caller's SPIFFE ID (its certificate's first {@code spiffe://} URI SAN) in PEER. */
  private static ServerInterceptor peerIdentity() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        String spiffeId = session == null ? "plaintext" : spiffeId(session);
        return Contexts.interceptCall(
            Context.current().withValue(PEER, spiffeId), call, headers, next);
      }
    };
  }

  /** The peer's first {@code spiffe://} URI SAN, and its certificate's serial after a space. */
  private static String spiffeId(SSLSession session) {
    try {
      X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
      String serial = " " + peer.getSerialNumber().toString(16);
      for (List<?> san : peer.getSubjectAlternativeNames()) {
        if (san.get(0).equals(6) && san.get(1).toString().startsWith("spiffe://")) {
          return san.get(1).toString() + serial;
        }
      }
      return "no-SPIFFE-ID" + serial;
    } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
      return "unverified: " + e.getMessage();
    }
  }

  private static Path tokenFile(String mesh, String name, String service) throws IOException {
    return XdsClients.dataplaneTokenFile(admin, mesh, name, service, dataDir);
  }

  /**
   * Runs {@code dp-agent} for each dataplane (name → token file) of {@code mesh} on {@code pool}.
   */
  private static void runAgents(
      ExecutorService pool, ManagedChannel gateway, String mesh, Map<String, Path> dataplanes) {
    dataplanes.forEach(
        (name, token) -> {
          DpAgent agent = agent(gateway, mesh, name, token);
          pool.submit(
              () -> {
                agent.run();
                return null;
              });
        });
  }

  private static DpAgent agent(ManagedChannel gateway, String mesh, String name, Path tokenFile) {
    return new DpAgent(
        gateway,
        mesh,
        name,
        tokenFile,
        certDir(mesh, name),
        Duration.ofSeconds(1),
        Clock.systemUTC());
  }

  private static Path certDir(String mesh, String name) {
    return dataDir.resolve(mesh + "." + name + "-certs");
  }

  /** What {@code dp-agent --once} does: the workload's key, certificate and CA bundle. */
  private static Path certificates(
      ManagedChannel gateway, String mesh, String name, Path tokenFile) {
    Path dir = certDir(mesh, name);
    DpAgent agent = agent(gateway, mesh, name, tokenFile);
    // The mesh's CA and the dataplane reach the CA service's view a moment after the PUTs.
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(agent::renewOnce, c -> true);
    assertThat(Files.exists(dir.resolve("key.pem"))).isTrue();
    return dir;
  }

  private static ManagedChannel plaintext(String address) {
    String[] hostPort = address.split(":");
    return NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
        .usePlaintext()
        .build();
  }

  /** Creates or replaces the MeshTrafficPermission {@code web-to-backend} of its mesh. */
  private static void apply(Resource resource) {
    assertThat(admin.putYaml(resource.path(), resource.yaml()).statusCode())
        .as(resource.path())
        .isIn(200, 201);
  }

  private record Resource(String path, String yaml) {}

  /** The permission for web to call backend in {@code mesh}: {@code Allow} or {@code Deny}. */
  private static Resource permission(String mesh, String action) {
    return new Resource(
        "/meshes/" + mesh + "/meshtrafficpermissions/web-to-backend",
        MtlsMeshes.webToBackend(mesh, action));
  }

  private static void put(String path, String yaml) {
    assertThat(admin.putYaml(path, yaml).statusCode()).as(path).isEqualTo(201);
  }
}
