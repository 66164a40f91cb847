package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.launcher.ChronomeshStack;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * Kuma's own agent against Chronomesh, as a Kuma user runs it on a VM: {@code kuma-dp run
 * --cp-address=https://localhost:<xds port> --dataplane-file=... --dataplane-token-file=...
 * --ca-cert-file=...} in Kuma's {@code kuma-dp} image (with its Envoy). kuma-dp fetches its
 * bootstrap from the gateway's {@code POST /bootstrap}, starts Envoy, Envoy connects over ADS on
 * the same port, the Dataplane it carries is registered, and a call to web's outbound listener
 * reaches backend's application on the host.
 *
 * <p>The container uses the host's network, as kuma-dp on a VM does: it reaches the gateway on
 * {@code localhost} (which the gateway's certificate names) and backend's application on the host's
 * loopback, and the test calls Envoy's outbound listener there. That needs a Docker engine on
 * Linux. Skipped with the reason where there is no Docker engine; to run it where there is one:
 *
 * <pre>
 * mvn -B -pl testcontainers-it -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dit.test=KumaDpSidecarIT -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 */
@ExtendWith(DockerEngine.class)
@Testcontainers(disabledWithoutDocker = true)
class KumaDpSidecarIT {
  /** Kuma's agent image: the release Chronomesh's compatibility is measured against. */
  static final DockerImageName KUMA_DP = DockerImageName.parse("kumahq/kuma-dp:2.14.3");

  @TempDir static Path dataDir;
  static ChronomeshStack stack;
  static Rest admin;
  static WhoAmIServer backendApp;
  static GenericContainer<?> kumaDp;
  static int outboundPort;

  @BeforeAll
  @SuppressWarnings("resource") // closed in stop()
  static void start() throws Exception {
    stack = LoopbackStack.startWithTlsXds(dataDir);
    admin = new Rest(stack.apiUrl(), stack.adminToken());
    backendApp = new WhoAmIServer("backend-app");
    outboundPort = freePort();
    int adminPort = freePort();
    int inboundPort = freePort();
    put("/meshes/vm", "type: Mesh\nname: vm\n");
    // backend's application runs without a sidecar: its endpoint is the application itself.
    put(
        "/meshes/vm/dataplanes/backend-1",
        """
        type: Dataplane
        mesh: vm
        name: backend-1
        networking:
          address: 127.0.0.1
          inbound:
          - port: %d
            tags: {kuma.io/service: backend, kuma.io/protocol: grpc}
        """
            .formatted(backendApp.port()));
    String token = XdsClients.dataplaneToken(admin, "vm", "web-1", "web");
    String dataplane =
        """
        type: Dataplane
        mesh: vm
        name: web-1
        networking:
          address: 127.0.0.1
          admin:
            port: %d
          inbound:
          - port: %d
            servicePort: %d
            tags: {kuma.io/service: web, kuma.io/protocol: grpc}
          outbound:
          - port: %d
            tags: {kuma.io/service: backend}
        """
            .formatted(adminPort, inboundPort, freePort(), outboundPort);
    String xds = stack.xdsAddress().split(":")[1];
    kumaDp =
        new GenericContainer<>(KUMA_DP)
            .withNetworkMode("host")
            .withCopyToContainer(Transferable.of(dataplane), "/kuma/dataplane.yaml")
            .withCopyToContainer(Transferable.of(token), "/kuma/token")
            .withCopyToContainer(
                Transferable.of(java.nio.file.Files.readString(stack.controlPlaneCa())),
                "/kuma/ca.pem")
            .withCommand(
                "run",
                "--cp-address=https://localhost:" + xds,
                "--dataplane-file=/kuma/dataplane.yaml",
                "--dataplane-token-file=/kuma/token",
                "--ca-cert-file=/kuma/ca.pem")
            .withLogConsumer(
                new Slf4jLogConsumer(LoggerFactory.getLogger("kuma-dp"))
                    .withSeparateOutputStreams())
            .waitingFor(
                Wait.forLogMessage(".*starting main dispatch loop.*", 1)
                    .withStartupTimeout(Duration.ofSeconds(120)));
    kumaDp.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (kumaDp != null) {
      kumaDp.stop();
    }
    if (backendApp != null) {
      backendApp.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void kumaDpRegistersItsDataplaneAndRoutesACallThroughItsOutbound() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> admin.get("/meshes/vm/dataplanes/web-1").statusCode() == 200);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", outboundPort).usePlaintext().build();
    try {
      String answer =
          await()
              .atMost(Duration.ofSeconds(60))
              .ignoreExceptions()
              .until(
                  () ->
                      ClientCalls.blockingUnaryCall(
                          channel,
                          WhoAmIServer.WHO,
                          CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                          "web-1"),
                  a -> a != null);
      assertThat(answer).isEqualTo("backend-app");
    } finally {
      channel.shutdownNow();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void put(String path, String yaml) {
    var response = admin.putYaml(path, yaml);
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }
}
