package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import dev.chronomesh.ca.BuiltinCaConf;
import dev.chronomesh.ca.CaKeyPair;
import dev.chronomesh.ca.Pem;
import dev.chronomesh.ca.RootCa;
import dev.chronomesh.ca.WorkloadCertificates;
import dev.chronomesh.launcher.ChronomeshStack;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy sidecars of an mTLS mesh get their identity and the mesh's CA bundle over SDS on their ADS
 * stream, state of the world and delta, from the whole stack: the projector names the secrets, the
 * gateway makes the key, has the CA service sign it and serves both secrets, and renews them on the
 * same stream.
 */
class SidecarSdsIT {
  @TempDir static Path dataDir;
  static ChronomeshStack stack;
  static Rest admin;
  static String host;
  static int port;

  @BeforeAll
  static void start() {
    stack = LoopbackStack.start(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
    String[] hostPort = stack.xdsAddress().split(":");
    host = hostPort[0];
    port = Integer.parseInt(hostPort[1]);
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void sidecarGetsItsIdentityAndTheMeshCaOverSdsBothProtocols() throws Exception {
    String token = meshWithSidecar("demo", "1h");
    List<String> names = List.of("identity_cert:secret:demo", "mesh_ca:secret:demo");
    try (EnvoyAdsClient sotw = EnvoyAdsClient.open(host, port, "demo.web-1", token, false, names);
        EnvoyAdsClient delta = EnvoyAdsClient.open(host, port, "demo.web-1", token, true, names)) {
      for (EnvoyAdsClient client : List.of(sotw, delta)) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> client.latest(EnvoyAdsClient.SECRET).keySet().containsAll(names));
        List<X509Certificate> bundle = caBundle("demo");
        Map<String, Any> secrets = client.latest(EnvoyAdsClient.SECRET);
        X509Certificate cert = checkIdentity(secrets.get(names.get(0)), bundle);
        assertThat(
                cert.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList())
            .contains("spiffe://demo/web", "kuma://kuma.io/service/web", "kuma://version/v1");
        Secret ca = secrets.get(names.get(1)).unpack(Secret.class);
        assertThat(
                Pem.certificates(
                    ca.getValidationContext()
                        .getTrustedCa()
                        .getInlineBytes()
                        .toString(StandardCharsets.US_ASCII)))
            .containsExactlyElementsOf(bundle);

        // The config only names the secrets.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    client.latest(EnvoyAdsClient.LISTENER).containsKey("inbound:127.0.0.1:8080")
                        && client.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
        Listener inbound =
            client
                .latest(EnvoyAdsClient.LISTENER)
                .get("inbound:127.0.0.1:8080")
                .unpack(Listener.class);
        DownstreamTlsContext server =
            inbound
                .getFilterChains(0)
                .getTransportSocket()
                .getTypedConfig()
                .unpack(DownstreamTlsContext.class);
        assertThat(server.getRequireClientCertificate().getValue()).isTrue();
        assertNamesSecrets(server.getCommonTlsContext(), names);
        UpstreamTlsContext upstream =
            client
                .latest(EnvoyAdsClient.CLUSTER)
                .get("backend")
                .unpack(Cluster.class)
                .getTransportSocket()
                .getTypedConfig()
                .unpack(UpstreamTlsContext.class);
        assertNamesSecrets(upstream.getCommonTlsContext(), names);
        assertThat(upstream.getSni()).isEqualTo("backend{mesh=demo}");
        assertThat(
                upstream
                    .getCommonTlsContext()
                    .getCombinedValidationContext()
                    .getDefaultValidationContext()
                    .getMatchTypedSubjectAltNames(0)
                    .getMatcher()
                    .getExact())
            .isEqualTo("spiffe://demo/backend");
        assertThat(client.ended()).isNull();
      }
    }
  }

  @Test
  void renewedSecretsArriveOnTheSameStream() throws Exception {
    // 10 s certificates, valid from 10 s before signing: renewed 6 s after each signing.
    String token = meshWithSidecar("rotating", "10s");
    String identity = "identity_cert:secret:rotating";
    List<String> names = List.of(identity, "mesh_ca:secret:rotating");
    try (EnvoyAdsClient sotw =
        EnvoyAdsClient.open(host, port, "rotating.web-1", token, false, names)) {
      await().atMost(Duration.ofSeconds(75)).until(() -> identities(sotw, identity).size() >= 2);
      List<X509Certificate> bundle = caBundle("rotating");
      List<X509Certificate> certs = identities(sotw, identity);
      assertThat(certs.get(1).getSerialNumber()).isNotEqualTo(certs.get(0).getSerialNumber());
      assertThat(certs.get(1).getPublicKey()).isNotEqualTo(certs.get(0).getPublicKey());
      checkIdentity(sotw.latest(EnvoyAdsClient.SECRET).get(identity), bundle);
      assertThat(sotw.ended()).as("the stream stayed open").isNull();
    }
  }

  /**
   * A switch to a new CA reaches a connected sidecar's trust bundle between renewals (the gateway
   * fetches each mesh's bundle every 10 s), with its identity unchanged: it trusts the new CA
   * before any peer can present a certificate of it (which the CA service signs only 30 s later).
   */
  @Test
  void aNewCaReachesTheSidecarsBundleBeforeItsNextRenewal() throws Exception {
    String token = meshWithSidecar("switching", "1h");
    String identity = "identity_cert:secret:switching";
    String meshCa = "mesh_ca:secret:switching";
    try (EnvoyAdsClient sotw =
        EnvoyAdsClient.open(
            host, port, "switching.web-1", token, false, List.of(identity, meshCa))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> sotw.latest(EnvoyAdsClient.SECRET).containsKey(meshCa));
      X509Certificate before = identities(sotw, identity).get(0);
      assertThat(trusted(sotw, meshCa)).hasSize(1);

      assertThat(
              admin
                  .putYaml(
                      "/meshes/switching",
                      MtlsMeshes.builtin("switching", "ca-2", List.of("ca-1", "ca-2"), "1h"))
                  .statusCode())
          .isEqualTo(200);

      await().atMost(Duration.ofSeconds(45)).until(() -> trusted(sotw, meshCa).size() == 2);
      assertThat(trusted(sotw, meshCa)).containsExactlyInAnyOrderElementsOf(caBundle("switching"));
      assertThat(identities(sotw, identity)).as("no new identity, only a new bundle").hasSize(1);
      assertThat(identities(sotw, identity).get(0)).isEqualTo(before);
      assertThat(sotw.ended()).as("the stream stayed open").isNull();
    }
  }

  /**
   * A MeshTrust reaches a connected sidecar without a restart: its CA joins the mesh CA secret (the
   * gateway's bundle refresh), its trust domain the SAN prefixes the inbound accepts (the
   * projector), the identity unchanged.
   */
  @Test
  void aMeshTrustsCaAndTrustDomainReachTheSidecar() throws Exception {
    String token = meshWithSidecar("trusting", "1h");
    String identity = "identity_cert:secret:trusting";
    String meshCa = "mesh_ca:secret:trusting";
    CaKeyPair partner =
        RootCa.create("partner", BuiltinCaConf.DEFAULT, Instant.now(), new SecureRandom());
    try (EnvoyAdsClient sotw =
        EnvoyAdsClient.open(
            host, port, "trusting.web-1", token, false, List.of(identity, meshCa))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> sotw.latest(EnvoyAdsClient.SECRET).containsKey(meshCa));
      X509Certificate before = identities(sotw, identity).get(0);
      assertThat(trusted(sotw, meshCa)).hasSize(1);

      put(
          "/meshes/trusting/meshtrusts/partner",
          MtlsMeshes.meshTrust(
              "trusting", "partner", "partner.example", Pem.encode(partner.certificate())));

      await().atMost(Duration.ofSeconds(45)).until(() -> trusted(sotw, meshCa).size() == 2);
      assertThat(trusted(sotw, meshCa)).contains(partner.certificate());
      assertThat(trusted(sotw, meshCa)).containsExactlyElementsOf(caBundle("trusting"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  inboundSanPrefixes(sotw)
                      .equals(List.of("spiffe://trusting/", "spiffe://partner.example/")));
      assertThat(identities(sotw, identity)).as("no new identity, only a new bundle").hasSize(1);
      assertThat(identities(sotw, identity).get(0)).isEqualTo(before);
      assertThat(sotw.ended()).as("the stream stayed open").isNull();
    }
  }

  /**
   * A MeshIdentity written while a sidecar is connected: once its autogenerated CA has reached the
   * bundles, the gateway renews the sidecar's identity on the same stream into the templated SPIFFE
   * ID, signed by the identity's CA, which the mesh CA secret then holds; web-1's inbound accepts
   * the identity's trust domain.
   */
  @Test
  void aMeshIdentityRenewsAConnectedSidecarIntoItsSpiffeId() throws Exception {
    String token = meshWithSidecar("identities", "1h", "{app: web, kuma.io/workload: web-v1}");
    String identity = "identity_cert:secret:identities";
    String meshCa = "mesh_ca:secret:identities";
    try (EnvoyAdsClient sotw =
        EnvoyAdsClient.open(
            host, port, "identities.web-1", token, false, List.of(identity, meshCa))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> sotw.latest(EnvoyAdsClient.SECRET).containsKey(identity));
      assertThat(uris(identities(sotw, identity).get(0))).contains("spiffe://identities/web");

      put(
          "/meshes/identities/meshidentities/workloads",
          """
          type: MeshIdentity
          mesh: identities
          name: workloads
          spec:
            selector: {dataplane: {matchLabels: {app: web}}}
            provider:
              type: Bundled
              bundled: {autogenerate: {enabled: true}, insecureAllowSelfSigned: true}
          """);
      String spiffeId = "spiffe://identities.default.mesh.local/workload/web-v1";
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> uris(identities(sotw, identity).getLast()).equals(List.of(spiffeId)));
      X509Certificate renewed = identities(sotw, identity).getLast();
      List<X509Certificate> trusted = trusted(sotw, meshCa);
      assertThat(trusted).hasSize(2).containsExactlyElementsOf(caBundle("identities"));
      renewed.verify(trusted.get(1).getPublicKey());
      checkIdentity(sotw.latest(EnvoyAdsClient.SECRET).get(identity), List.of(trusted.get(1)));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  inboundSanPrefixes(sotw)
                      .equals(
                          List.of(
                              "spiffe://identities/", "spiffe://identities.default.mesh.local/")));
      assertThat(sotw.ended()).as("the stream stayed open").isNull();
    }
  }

  private static List<String> uris(X509Certificate cert) throws Exception {
    return cert.getSubjectAlternativeNames().stream()
        .filter(san -> san.get(0).equals(6))
        .map(san -> san.get(1).toString())
        .toList();
  }

  /** The URI SAN prefixes web-1's inbound accepts from callers. */
  private static List<String> inboundSanPrefixes(EnvoyAdsClient client) throws Exception {
    Any any = client.latest(EnvoyAdsClient.LISTENER).get("inbound:127.0.0.1:8080");
    if (any == null) {
      return List.of();
    }
    return any
        .unpack(Listener.class)
        .getFilterChains(0)
        .getTransportSocket()
        .getTypedConfig()
        .unpack(DownstreamTlsContext.class)
        .getCommonTlsContext()
        .getCombinedValidationContext()
        .getDefaultValidationContext()
        .getMatchTypedSubjectAltNamesList()
        .stream()
        .map(san -> san.getMatcher().getPrefix())
        .toList();
  }

  /**
   * A mesh switched to PERMISSIVE reaches a connected sidecar as a new inbound listener on the same
   * stream: Envoy's TLS inspector and Kuma's plaintext, application-TLS and mesh-mTLS chains, the
   * mesh's TLS (and MeshTrafficPermission's deny-all RBAC) on the last one only.
   */
  @Test
  void aPermissiveBackendGivesTheInboundThreeChainsOnTheSameStream() throws Exception {
    String token = meshWithSidecar("permissive", "1h");
    String inbound = "inbound:127.0.0.1:8080";
    try (EnvoyAdsClient sotw =
        EnvoyAdsClient.open(
            host,
            port,
            "permissive.web-1",
            token,
            false,
            List.of("identity_cert:secret:permissive", "mesh_ca:secret:permissive"))) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> sotw.latest(EnvoyAdsClient.LISTENER).containsKey(inbound));
      assertThat(listener(sotw, inbound).getFilterChainsCount()).isEqualTo(1);

      String permissive = MtlsMeshes.permissive("permissive", "1h");
      assertThat(admin.putYaml("/meshes/permissive", permissive).statusCode()).isEqualTo(200);

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> listener(sotw, inbound).getFilterChainsCount() == 3);
      Listener listener = listener(sotw, inbound);
      assertThat(listener.getListenerFilters(0).getName())
          .isEqualTo("envoy.filters.listener.tls_inspector");
      assertThat(listener.getFilterChainsList())
          .extracting(
              c -> c.getFilterChainMatch().getTransportProtocol(),
              c -> c.getFilterChainMatch().getApplicationProtocolsList(),
              FilterChain::hasTransportSocket,
              c -> c.getFilters(0).getName())
          .containsExactly(
              tuple("raw_buffer", List.of(), false, "envoy.filters.network.tcp_proxy"),
              tuple("tls", List.of(), false, "envoy.filters.network.tcp_proxy"),
              tuple("tls", List.of("kuma"), true, "envoy.filters.network.rbac"));
      assertThat(sotw.ended()).as("the stream stayed open").isNull();
    }
  }

  private static Listener listener(EnvoyAdsClient client, String name) throws Exception {
    return client.latest(EnvoyAdsClient.LISTENER).get(name).unpack(Listener.class);
  }

  /** The CA certificates in the latest mesh CA secret. */
  private static List<X509Certificate> trusted(EnvoyAdsClient client, String name)
      throws Exception {
    Any any = client.latest(EnvoyAdsClient.SECRET).get(name);
    if (any == null) {
      return List.of();
    }
    return Pem.certificates(
        any.unpack(Secret.class)
            .getValidationContext()
            .getTrustedCa()
            .getInlineBytes()
            .toString(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** A mesh with a builtin CA, web-1 (calling backend) and backend-1; web-1's dataplane token. */
  private static String meshWithSidecar(String mesh, String expiration) {
    return meshWithSidecar(mesh, expiration, "{}");
  }

  /** {@link #meshWithSidecar(String, String)} with web-1's {@code labels} (a YAML flow map). */
  private static String meshWithSidecar(String mesh, String expiration, String labels) {
    put("/meshes/" + mesh, MtlsMeshes.builtin(mesh, expiration));
    XdsClients.putBackend(admin, mesh);
    put(
        "/meshes/" + mesh + "/dataplanes/web-1",
        """
        type: Dataplane
        mesh: %s
        name: web-1
        labels: %s
        networking:
          address: 127.0.0.1
          inbound:
          - port: 8080
            tags: {kuma.io/service: web, version: v1}
          outbound:
          - port: 10001
            tags: {kuma.io/service: backend}
        """
            .formatted(mesh, labels));
    return XdsClients.dataplaneToken(admin, mesh, "web-1", "web");
  }

  private static void put(String path, String yaml) {
    assertThat(admin.putYaml(path, yaml).statusCode()).as(path).isEqualTo(201);
  }

  private static List<X509Certificate> caBundle(String mesh) {
    HttpResponse<String> bundle =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> admin.get("/meshes/" + mesh + "/ca"), r -> r.statusCode() == 200);
    return Pem.certificates(bundle.body());
  }

  /**
   * The identity secret's certificate, checked: it verifies against the mesh's CA and the private
   * key in the secret is its key.
   */
  private static X509Certificate checkIdentity(Any any, List<X509Certificate> bundle)
      throws Exception {
    Secret secret = any.unpack(Secret.class);
    List<X509Certificate> chain =
        Pem.certificates(
            secret
                .getTlsCertificate()
                .getCertificateChain()
                .getInlineBytes()
                .toString(StandardCharsets.US_ASCII));
    X509Certificate cert = chain.get(0);
    cert.verify(bundle.get(0).getPublicKey());
    cert.checkValidity();
    PrivateKey key =
        Pem.privateKey(
            secret
                .getTlsCertificate()
                .getPrivateKey()
                .getInlineBytes()
                .toString(StandardCharsets.US_ASCII));
    assertThat(WorkloadCertificates.isKeyOf(key, cert))
        .as("the secret's key is its certificate's")
        .isTrue();
    return cert;
  }

  /** Every distinct identity certificate the stream delivered, in order. */
  private static List<X509Certificate> identities(EnvoyAdsClient client, String name)
      throws Exception {
    List<X509Certificate> out = new java.util.ArrayList<>();
    for (Any any : client.secretsReceived()) {
      Secret s = any.unpack(Secret.class);
      if (s.getName().equals(name)) {
        X509Certificate c =
            Pem.certificates(
                    s.getTlsCertificate()
                        .getCertificateChain()
                        .getInlineBytes()
                        .toString(StandardCharsets.US_ASCII))
                .get(0);
        if (out.isEmpty() || !out.get(out.size() - 1).equals(c)) {
          out.add(c);
        }
      }
    }
    return out;
  }

  private static void assertNamesSecrets(CommonTlsContext common, List<String> names) {
    assertThat(common.getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo(names.get(0));
    assertThat(common.getTlsCertificateSdsSecretConfigs(0).getSdsConfig().hasAds()).isTrue();
    assertThat(
            common.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName())
        .isEqualTo(names.get(1));
    assertThat(common.getTlsCertificatesCount()).as("no key or certificate inline").isZero();
  }
}
