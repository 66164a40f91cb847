package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.chronoctl.Chronoctl;
import dev.chronomesh.events.ProxylessBootstrap;
import dev.chronomesh.kafka.FreePorts;
import dev.chronomesh.launcher.ChronomeshStack;
import dev.chronomesh.launcher.agent.DpAgent;
import dev.chronomesh.proxyless.DataplaneTokenCredentialsProvider;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsChannelCredentials;
import io.grpc.internal.JsonParser;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsChannelCredentials;
import io.grpc.xds.XdsNameResolverProvider;
import io.grpc.xds.XdsServerBuilder;
import io.grpc.xds.XdsServerCredentials;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's proxyless bootstrap, end to end: the bootstrap {@code chronoctl generate
 * grpc-bootstrap} writes (the real CLI against the real API of a stack whose xDS port is TLS, as
 * {@code up} serves it) is read unedited by a real grpc-xds client, which authenticates with its
 * dataplane token through the {@code proxyless-client} jar and calls a backend.
 */
class GrpcBootstrapIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  @TempDir static Path workload;
  static ChronomeshStack stack;
  static Rest admin;

  @BeforeAll
  static void start() {
    stack = LoopbackStack.startWithTlsXds(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  static Chronoctl.Outcome chronoctl(String... args) {
    return Chronoctl.capture(
        Map.of(
            "XDG_CONFIG_HOME", workload.resolve("config").toString(),
            "CHRONOCTL_SERVER", stack.apiUrl(),
            "CHRONOCTL_TOKEN", stack.adminToken()),
        args);
  }

  @Test
  void theGeneratedBootstrapConnectsAGrpcXdsClientOverTheTlsGatewayUnedited() throws Exception {
    // The Java provider and the bootstrap builder name the credentials type each on their own.
    assertThat(DataplaneTokenCredentialsProvider.NAME)
        .isEqualTo(ProxylessBootstrap.TOKEN_CREDENTIALS);
    try (WhoAmIServer backend = new WhoAmIServer("backend-1")) {
      assertThat(admin.putYaml("/meshes/default", "type: Mesh\nname: default\n").statusCode())
          .isEqualTo(201);
      assertThat(
              admin
                  .putYaml(
                      "/meshes/default/dataplanes/backend-1", WalkingSkeletonIT.dataplane(backend))
                  .statusCode())
          .isEqualTo(201);
      assertThat(
              admin
                  .putYaml("/meshes/default/dataplanes/web-1", WalkingSkeletonIT.webDataplane())
                  .statusCode())
          .isEqualTo(201);

      Path tokenFile = token("default", "web-1", "web");
      Path bootstrapFile = generateBootstrap("default", "web-1", tokenFile, null);

      String text = Files.readString(bootstrapFile);
      JsonNode server = JSON.readTree(text).path("xds_servers").path(0);
      assertThat(server.path("server_uri").asText()).isEqualTo(stack.xdsAddress());
      assertThat(server.path("channel_creds").findValuesAsText("type"))
          .containsExactly(ProxylessBootstrap.TOKEN_CREDENTIALS, "tls");
      assertThat(server.path("channel_creds").path(0).path("config").path("ca_certificate_file"))
          .hasToString('"' + stack.controlPlaneCa().toAbsolutePath().toString() + '"');
      assertThat(server.path("call_creds").path(0).path("config").path("jwt_token_file").asText())
          .isEqualTo(tokenFile.toAbsolutePath().toString());

      NameResolverRegistry resolvers = new NameResolverRegistry();
      resolvers.register(XdsNameResolverProvider.createForTest("xds", parsed(bootstrapFile)));
      ManagedChannel channel =
          Grpc.newChannelBuilder("xds:///backend", InsecureChannelCredentials.create(), resolvers)
              .build();
      try {
        await("a call over the TLS gateway reaches backend-1")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).equals("backend-1"));
      } finally {
        XdsClients.close(channel);
      }
    }
  }

  @Test
  void namesEachMissingOrInvalidInputAndWritesNothing() throws Exception {
    assertThat(admin.putYaml("/meshes/bad", "type: Mesh\nname: bad\n").statusCode()).isIn(200, 201);
    assertThat(
            admin
                .putYaml(
                    "/meshes/bad/dataplanes/web-1",
                    WalkingSkeletonIT.webDataplane().replace("mesh: default", "mesh: bad"))
                .statusCode())
        .isEqualTo(201);
    Path output = workload.resolve("never.json");

    Chronoctl.Outcome refused =
        chronoctl(
            "generate",
            "grpc-bootstrap",
            "-m",
            "bad",
            "--name",
            "web-1",
            "--token-file",
            "/etc/web-1.token",
            "--xds-address",
            "elsewhere.example:5678",
            "-o",
            output.toString());

    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("caFile: is required for a gateway this API does not know");
    assertThat(output).doesNotExist();
    assertThat(
            admin.get("/meshes/bad/dataplanes/web-1/_grpc-bootstrap?tokenFile=t&certdir=/x").body())
        .contains("\"field\":\"tokenFile\"", "\"field\":\"certdir\"");

    // As for its dataplane tokens: a viewer may not, an editor of another mesh may not.
    for (String user :
        List.of(
            "{\"name\": \"vic\", \"role\": \"viewer\", \"validFor\": \"1h\"}",
            "{\"name\": \"eve\", \"role\": \"editor\", \"meshes\": [\"default\"],"
                + " \"validFor\": \"1h\"}")) {
      var issued = admin.post("/tokens/user", user);
      assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
      var refusedToUser =
          new Rest(stack.apiUrl(), issued.body().strip())
              .get("/meshes/bad/dataplanes/web-1/_grpc-bootstrap?tokenFile=/etc/web-1.token");
      assertThat(refusedToUser.statusCode()).as(refusedToUser.body()).isEqualTo(403);
      assertThat(refusedToUser.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/problem+json");
    }
  }

  @Test
  void inAMeshWithMtlsTheGeneratedBootstrapsCarryTheAgentsCertificatesBothWays() throws Exception {
    assertThat(admin.putYaml("/meshes/secure", MtlsMeshes.builtin("secure", null)).statusCode())
        .isEqualTo(201);
    assertThat(
            admin
                .putYaml(
                    "/meshes/secure/meshtrafficpermissions/web-to-backend",
                    MtlsMeshes.webToBackend("secure", "Allow"))
                .statusCode())
        .isEqualTo(201);
    int backendPort = FreePorts.next();
    assertThat(
            admin
                .putYaml(
                    "/meshes/secure/dataplanes/backend-1",
                    MtlsMeshes.proxylessDataplane("secure", "backend-1", "backend", backendPort))
                .statusCode())
        .isEqualTo(201);
    assertThat(
            admin
                .putYaml(
                    "/meshes/secure/dataplanes/web-1",
                    MtlsMeshes.proxylessDataplane("secure", "web-1", "web", FreePorts.next()))
                .statusCode())
        .isEqualTo(201);

    Path backendToken = token("secure", "backend-1", "backend");
    Path webToken = token("secure", "web-1", "web");
    // Without the agent's directory a bootstrap of an mTLS mesh cannot work: refused, named.
    Chronoctl.Outcome noCertDir =
        chronoctl(
            "generate",
            "grpc-bootstrap",
            "-m",
            "secure",
            "--name",
            "web-1",
            "--token-file",
            webToken.toString());
    assertThat(noCertDir.code()).isEqualTo(1);
    assertThat(noCertDir.err()).contains("certDir: is required: mesh \"secure\" has mTLS");

    ManagedChannel gateway =
        Grpc.newChannelBuilder(
                stack.xdsAddress(),
                TlsChannelCredentials.newBuilder()
                    .trustManager(stack.controlPlaneCa().toFile())
                    .build())
            .build();
    Server backend = null;
    ManagedChannel web = null;
    try {
      Path backendCerts = agentCertificates(gateway, "backend-1", backendToken);
      Path webCerts = agentCertificates(gateway, "web-1", webToken);
      backend =
          XdsServerBuilder.forAddress(
                  new InetSocketAddress("127.0.0.1", backendPort),
                  XdsServerCredentials.create(InsecureServerCredentials.create()))
              .overrideBootstrapForTest(
                  parsed(generateBootstrap("secure", "backend-1", backendToken, backendCerts)))
              .addService(
                  ServerServiceDefinition.builder("chronomesh.test.WhoAmI")
                      .addMethod(
                          WhoAmIServer.WHO,
                          ServerCalls.asyncUnaryCall(
                              (request, observer) -> {
                                observer.onNext("backend-1");
                                observer.onCompleted();
                              }))
                      .build())
              .build()
              .start();

      NameResolverRegistry resolvers = new NameResolverRegistry();
      resolvers.register(
          XdsNameResolverProvider.createForTest(
              "xds", parsed(generateBootstrap("secure", "web-1", webToken, webCerts))));
      web =
          Grpc.newChannelBuilder(
                  "xds:///backend",
                  XdsChannelCredentials.create(InsecureChannelCredentials.create()),
                  resolvers)
              .build();
      ManagedChannel client = web;
      await("web reaches backend over the mesh's mTLS")
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> XdsClients.who(client).equals("backend-1"));
    } finally {
      if (web != null) {
        XdsClients.close(web);
      }
      if (backend != null) {
        backend.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      XdsClients.close(gateway);
    }
  }

  /** A dataplane token of {@code <mesh>.<name>} in a file, through the CLI. */
  private static Path token(String mesh, String name, String service) throws Exception {
    Chronoctl.Outcome token =
        chronoctl(
            "generate",
            "dataplane-token",
            "--name",
            name,
            "-m",
            mesh,
            "--tag",
            "kuma.io/service=" + service,
            "--valid-for",
            "1h");
    assertThat(token.code()).as(token.err()).isZero();
    return Files.writeString(workload.resolve(mesh + "." + name + ".token"), token.out());
  }

  /** What {@code dp-agent --once} writes for {@code secure.<name>}, through the TLS gateway. */
  private static Path agentCertificates(ManagedChannel gateway, String name, Path token) {
    Path dir = workload.resolve(name + "-certs");
    DpAgent agent =
        new DpAgent(gateway, "secure", name, token, dir, Duration.ofSeconds(10), Clock.systemUTC());
    // The mesh's CA and the dataplane reach the CA service's view a moment after the PUTs.
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(agent::renewOnce, c -> true);
    return dir;
  }

  /**
   * The bootstrap {@code chronoctl generate grpc-bootstrap} writes for {@code <mesh>.<name>}, with
   * the agent's {@code certDir} (null: none), into a file of its own.
   */
  private static Path generateBootstrap(String mesh, String name, Path token, Path certDir) {
    Path file = workload.resolve(mesh + "." + name + ".bootstrap.json");
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "grpc-bootstrap",
                "--mesh",
                mesh,
                "--name",
                name,
                "--token-file",
                token.toString(),
                "-o",
                file.toString()));
    if (certDir != null) {
      args.addAll(List.of("--cert-dir", certDir.toString()));
    }
    Chronoctl.Outcome generated = chronoctl(args.toArray(String[]::new));
    assertThat(generated.code()).as(generated.err()).isZero();
    return file;
  }

  /** The file's JSON as grpc-xds reads GRPC_XDS_BOOTSTRAP: parsed by grpc's own parser. */
  @SuppressWarnings("unchecked")
  private static Map<String, ?> parsed(Path bootstrap) throws Exception {
    return (Map<String, ?>) JsonParser.parse(Files.readString(bootstrap));
  }
}
