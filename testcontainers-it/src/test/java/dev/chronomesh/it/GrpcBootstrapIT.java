package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.chronoctl.Chronoctl;
import dev.chronomesh.events.ProxylessBootstrap;
import dev.chronomesh.launcher.ChronomeshStack;
import dev.chronomesh.proxyless.DataplaneTokenCredentialsProvider;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.internal.JsonParser;
import io.grpc.xds.XdsNameResolverProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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

      Chronoctl.Outcome token =
          chronoctl(
              "generate",
              "dataplane-token",
              "--name",
              "web-1",
              "-m",
              "default",
              "--tag",
              "kuma.io/service=web",
              "--valid-for",
              "1h");
      assertThat(token.code()).as(token.err()).isZero();
      Path tokenFile = Files.writeString(workload.resolve("web-1.token"), token.out());
      Path bootstrapFile = workload.resolve("bootstrap.json");
      Chronoctl.Outcome generated =
          chronoctl(
              "generate",
              "grpc-bootstrap",
              "--mesh",
              "default",
              "--name",
              "web-1",
              "--token-file",
              tokenFile.toString(),
              "-o",
              bootstrapFile.toString());
      assertThat(generated.code()).as(generated.err()).isZero();

      String text = Files.readString(bootstrapFile);
      JsonNode server = JSON.readTree(text).path("xds_servers").path(0);
      assertThat(server.path("server_uri").asText()).isEqualTo(stack.xdsAddress());
      assertThat(server.path("channel_creds").findValuesAsText("type"))
          .containsExactly(ProxylessBootstrap.TOKEN_CREDENTIALS, "tls");
      assertThat(server.path("channel_creds").path(0).path("config").path("ca_certificate_file"))
          .hasToString('"' + stack.controlPlaneCa().toAbsolutePath().toString() + '"');
      assertThat(server.path("call_creds").path(0).path("config").path("jwt_token_file").asText())
          .isEqualTo(tokenFile.toAbsolutePath().toString());

      // As grpc-xds reads GRPC_XDS_BOOTSTRAP: the file's JSON, parsed by grpc's own parser.
      @SuppressWarnings("unchecked")
      Map<String, ?> bootstrap = (Map<String, ?>) JsonParser.parse(text);
      NameResolverRegistry resolvers = new NameResolverRegistry();
      resolvers.register(XdsNameResolverProvider.createForTest("xds", bootstrap));
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
  }
}
