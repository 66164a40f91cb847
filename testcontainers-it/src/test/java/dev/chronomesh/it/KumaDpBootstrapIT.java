package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import dev.chronomesh.ca.Pem;
import dev.chronomesh.launcher.ChronomeshStack;
import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import dev.chronomesh.meshmodel.envoy.EnvoyValidateRules;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.extensions.regex_engines.v3.GoogleRE2;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.grpc.Grpc;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kuma-dp's bootstrap API on the gateway's TLS port, as kuma-dp 2.x calls it: an HTTP/1.1 {@code
 * POST /bootstrap} whose body has the fields of Kuma's {@code BootstrapRequest} (as kuma-dp's own
 * golden requests, {@code app/kuma-dp/pkg/dataplane/envoy/testdata/bootstrap-request-*.json}, show
 * them), on the same port as ADS. Checks every part of the answer kuma-dp reads, that the Envoy
 * bootstrap parses and passes {@code validate.rules}, that an Envoy connecting as that bootstrap
 * says gets its config through the same port, and that bad requests are refused with their reason
 * and write nothing.
 */
class KumaDpBootstrapIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.TypeRegistry TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(UpstreamTlsContext.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .add(GoogleRE2.getDescriptor())
          .build();

  @TempDir static Path dataDir;
  static ChronomeshStack stack;
  static Rest admin;
  static HttpClient kumaDp;
  static int port;
  static String caPem;

  @BeforeAll
  static void start() throws Exception {
    stack = LoopbackStack.startWithTlsXds(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
    port = Integer.parseInt(stack.xdsAddress().split(":")[1]);
    caPem = Files.readString(stack.controlPlaneCa(), StandardCharsets.US_ASCII);
    // kuma-dp's client: HTTP/1.1 over TLS, verifying the control plane with its CA.
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    List<X509Certificate> cas = Pem.certificates(caPem);
    for (int i = 0; i < cas.size(); i++) {
      trust.setCertificateEntry("ca-" + i, cas.get(i));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    kumaDp =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(tls)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    put(
        "/meshes/boot",
        """
        type: Mesh
        name: boot
        """);
    XdsClients.putBackend(admin, "boot");
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void kumaDpGetsAnEnvoyBootstrapForTheDataplaneItCarries() throws Exception {
    String token = XdsClients.dataplaneToken(admin, "boot", "web-1", "web");
    String dataplane =
        """
        {"type":"Dataplane","mesh":"boot","name":"web-1",\
        "creationTime":"0001-01-01T00:00:00Z","modificationTime":"0001-01-01T00:00:00Z",\
        "kri":"kri_dp_boot___web-1_",\
        "networking":{"address":"127.0.0.1","admin":{"port":9911},\
        "inbound":[{"port":8080,"tags":{"kuma.io/service":"web","kuma.io/protocol":"http"}}],\
        "outbound":[{"port":10001,"tags":{"kuma.io/service":"backend"}}]}}""";
    long eventsBefore = events();
    assertThat(eventsBefore).as("/events answers the mesh's log").isPositive();

    HttpResponse<String> response =
        bootstrap(request("boot", "web-1", token, dataplane, List.of("feature-delta-grpc")));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("kuma-bootstrap-version")).hasValue("3");
    JsonNode answer = JSON.readTree(response.body());
    JsonNode sidecar = answer.path("kumaSidecarConfiguration");
    assertThat(sidecar.path("networking").path("address").asText()).isEqualTo("127.0.0.1");
    assertThat(sidecar.path("metrics").path("aggregate").isArray()).isTrue();
    assertThat(sidecar.path("metrics").path("aggregate")).isEmpty();
    Bootstrap bootstrap = parse(answer.path("bootstrap").asText());
    assertThat(EnvoyValidateRules.check(bootstrap, EnvoyJson.registryOf(bootstrap))).isEmpty();

    assertThat(bootstrap.getNode().getId()).isEqualTo("boot.web-1");
    assertThat(bootstrap.getNode().getCluster()).isEqualTo("web");
    var metadata = bootstrap.getNode().getMetadata().getFieldsMap();
    assertThat(metadata.get("dataplane.resource").getStringValue()).isEqualTo(dataplane);
    assertThat(metadata.get("dataplane.admin.port").getStringValue()).isEqualTo("9911");
    assertThat(metadata.get("dataplane.proxyType").getStringValue()).isEqualTo("dataplane");
    assertThat(metadata.get("version").getStructValue().getFieldsMap().get("kumaDp")).isNotNull();
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(9911);

    ApiConfigSource ads = bootstrap.getDynamicResources().getAdsConfig();
    assertThat(ads.getApiType()).isEqualTo(ApiConfigSource.ApiType.DELTA_GRPC);
    GrpcService service = ads.getGrpcServices(0);
    assertThat(service.getEnvoyGrpc().getClusterName()).isEqualTo("ads_cluster");
    assertThat(service.getInitialMetadata(0).getKey()).isEqualTo("authorization");
    assertThat(service.getInitialMetadata(0).getValue()).isEqualTo(token);
    Cluster adsCluster = bootstrap.getStaticResources().getClusters(0);
    SocketAddress address =
        adsCluster
            .getLoadAssignment()
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getEndpoint()
            .getAddress()
            .getSocketAddress();
    assertThat(address.getAddress()).isEqualTo("localhost");
    assertThat(address.getPortValue()).isEqualTo(port);
    UpstreamTlsContext tls =
        adsCluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("localhost");
    assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
    assertThat(tls.getCommonTlsContext().getValidationContextSdsSecretConfig().getName())
        .isEqualTo("cp_validation_ctx");
    Secret validation = bootstrap.getStaticResources().getSecrets(0);
    assertThat(validation.getName()).isEqualTo("cp_validation_ctx");
    assertThat(
            validation
                .getValidationContext()
                .getTrustedCa()
                .getInlineBytes()
                .toString(StandardCharsets.US_ASCII))
        .isEqualTo(caPem);
    assertThat(events()).as("a bootstrap writes nothing").isEqualTo(eventsBefore);

    // Envoy, connecting as the bootstrap says, registers the Dataplane it carries.
    try (EnvoyAdsClient envoy = envoyAsBootstrapped(bootstrap)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> admin.get("/meshes/boot/dataplanes/web-1").statusCode() == 200);
      JsonNode registered =
          JSON.readTree(admin.get("/events?mesh=boot&type=Dataplane&size=1000").body())
              .path("items");
      assertThat(registered.findValuesAsText("actor")).contains("dataplane:boot.web-1");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> envoy.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
    }
  }

  @Test
  void anEnvoyConnectingAsTheBootstrapSaysGetsItsConfigThroughTheSamePort() throws Exception {
    put(
        "/meshes/boot/dataplanes/web-2",
        """
        type: Dataplane
        mesh: boot
        name: web-2
        networking:
          address: 127.0.0.1
          inbound:
          - port: 8081
            tags: {kuma.io/service: web}
          outbound:
          - port: 10002
            tags: {kuma.io/service: backend}
        """);
    String token = XdsClients.dataplaneToken(admin, "boot", "web-2", "web");
    // No dataplaneResource: the Dataplane was applied through the API.
    HttpResponse<String> response =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> bootstrap(request("boot", "web-2", token, null, List.of())),
                r -> r.statusCode() == 200);
    Bootstrap bootstrap = parse(JSON.readTree(response.body()).path("bootstrap").asText());
    assertThat(bootstrap.getDynamicResources().getAdsConfig().getApiType())
        .isEqualTo(ApiConfigSource.ApiType.GRPC);
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(9901);

    try (EnvoyAdsClient envoy = envoyAsBootstrapped(bootstrap)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> envoy.latest(EnvoyAdsClient.CLUSTER).containsKey("backend"));
      assertThat(envoy.ended()).isNull();
    }
  }

  /** An ADS stream over the gateway's TLS port with the bootstrap's node, metadata and token. */
  private static EnvoyAdsClient envoyAsBootstrapped(Bootstrap bootstrap) throws IOException {
    var channel =
        Grpc.newChannelBuilderForAddress(
                "localhost",
                port,
                TlsChannelCredentials.newBuilder()
                    .trustManager(
                        new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))
                    .build())
            .build();
    ApiConfigSource ads = bootstrap.getDynamicResources().getAdsConfig();
    return EnvoyAdsClient.open(
        channel,
        bootstrap.getNode().toBuilder().setUserAgentName("envoy").build(),
        ads.getGrpcServices(0).getInitialMetadata(0).getValue(),
        ads.getApiType() == ApiConfigSource.ApiType.DELTA_GRPC,
        List.of());
  }

  @Test
  void anUnknownDataplaneIsNotFoundWithAnEmptyBodySoKumaDpRetries() throws Exception {
    String token = XdsClients.dataplaneToken(admin, "boot", "ghost", "web");
    HttpResponse<String> response = bootstrap(request("boot", "ghost", token, null, List.of()));
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).isEmpty();
  }

  @Test
  void badRequestsAreRefusedWithTheirReasonAndWriteNothing() throws Exception {
    String web3 = XdsClients.dataplaneToken(admin, "boot", "web-3", "web");
    String web1 = XdsClients.dataplaneToken(admin, "boot", "web-1", "web");
    put("/meshes/other", "type: Mesh\nname: other\n");
    String foreign = XdsClients.dataplaneToken(admin, "other", "web-3", "web");
    long eventsBefore = events();
    assertThat(eventsBefore).as("/events answers the mesh's log").isPositive();
    String dataplane =
        """
        {"type":"Dataplane","mesh":"boot","name":"web-3","networking":{"address":"127.0.0.1",\
        "inbound":[{"port":8080,"tags":{"kuma.io/service":"%s"}}]}}""";

    assertRefused(bootstrap("{not json"), 400, "is not JSON");
    assertRefused(bootstrap("[]"), 400, "must be a JSON object");
    assertRefused(
        bootstrap("{\"mesh\": \"boot\", \"dnsPort\": \"x\"}"),
        400,
        "name: must be given",
        "dnsPort: must be a port number");
    assertRefused(
        bootstrap(request("boot", "web-3", "", dataplane.formatted("web"), List.of())),
        422,
        "Dataplane Token is required");
    assertRefused(
        bootstrap(request("boot", "web-3", "not-a-token", dataplane.formatted("web"), List.of())),
        403,
        "dataplane token refused for node boot.web-3");
    // A token of another mesh: signed with that mesh's key.
    assertRefused(
        bootstrap(request("boot", "web-3", foreign, dataplane.formatted("web"), List.of())),
        403,
        "dataplane token refused for node boot.web-3");
    // A token of another dataplane.
    assertRefused(
        bootstrap(request("boot", "web-3", web1, dataplane.formatted("web"), List.of())),
        403,
        "boot.web-3");
    // The token allows kuma.io/service web only.
    assertRefused(
        bootstrap(request("boot", "web-3", web3, dataplane.formatted("payments"), List.of())),
        403,
        "tag kuma.io/service=payments is not allowed by the token");
    assertRefused(
        bootstrap(
            request(
                "boot",
                "web-3",
                web3,
                "{\"type\":\"Dataplane\",\"mesh\":\"boot\",\"name\":\"web-3\",\"networking\":{}}",
                List.of())),
        422,
        "dataplaneResource is invalid",
        "networking.address");
    assertRefused(
        bootstrap(request("nomesh", "web-3", web3, dataplane.formatted("web"), List.of())),
        422,
        "dataplaneResource is invalid");
    assertThat(
            kumaDp
                .send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/bootstrap"))
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(405);
    assertThat(events()).as("a refused bootstrap writes nothing").isEqualTo(eventsBefore);
  }

  /** A request as kuma-dp 2.x builds it (requestForBootstrap), with {@code features}. */
  private static String request(
      String mesh, String name, String token, String dataplaneResource, List<String> features) {
    ObjectNode request = JSON.createObjectNode();
    request.put("mesh", mesh);
    request.put("name", name);
    request.put("proxyType", "dataplane");
    request.put("dataplaneToken", token);
    if (dataplaneResource != null) {
      request.put("dataplaneResource", dataplaneResource);
    }
    ObjectNode version = request.putObject("version");
    version
        .putObject("kumaDp")
        .put("version", "2.14.3")
        .put("gitTag", "v2.14.3")
        .put("gitCommit", "91ce236824a9d875601679aa80c63783fb0e8725")
        .put("buildDate", "2026-11-01T00:00:00Z");
    version
        .putObject("envoy")
        .put("version", "1.37.2")
        .put("build", "hash/1.37.2/Clean/RELEASE/BoringSSL")
        .put("kumaDpCompatible", true);
    request.put("caCert", "");
    request.putNull("dynamicMetadata");
    request.put("dnsPort", 15054);
    request.put("readinessPort", 9902);
    request.put("operatingSystem", "linux");
    var list = request.putArray("features");
    list.add("feature-tcp-accesslog-via-named-pipe");
    features.forEach(list::add);
    request.putObject("resources").put("maxHeapSizeBytes", 0);
    request.put("workdir", "/tmp");
    request.putObject("metricsResources").put("certPath", "").put("keyPath", "");
    request.put("systemCaPath", "");
    request.put("ipv6Enabled", false);
    request.putObject("spireResources").put("socketPath", "");
    return request.toString();
  }

  private static HttpResponse<String> bootstrap(String body) throws Exception {
    return kumaDp.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/bootstrap"))
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertRefused(HttpResponse<String> response, int status, String... says) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.body()).contains(says);
  }

  private static Bootstrap parse(String base64) throws Exception {
    String text = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    Bootstrap.Builder builder = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(TYPES).merge(text, builder);
    return builder.build();
  }

  private static long events() throws Exception {
    return JSON.readTree(admin.get("/events?mesh=boot&size=1000").body()).path("items").size();
  }

  private static void put(String path, String yaml) {
    HttpResponse<String> response = admin.putYaml(path, yaml);
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }
}
