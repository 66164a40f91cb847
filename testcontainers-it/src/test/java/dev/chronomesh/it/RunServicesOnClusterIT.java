package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.events.Topics;
import dev.chronomesh.kafka.EmbeddedKafka;
import dev.chronomesh.launcher.ServiceRunner;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.projector.ProjectorConfig;
import dev.chronomesh.xds.XdsGatewayOptions;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production shape of {@code chronomesh run}: each service started on its own against a
 * replicated three-broker cluster, with two xDS gateways serving the same proxies.
 */
class RunServicesOnClusterIT {
  /** Every command-api instance shares the operator's key-encryption key. */
  private static final Sealer SEALER = new EnvelopeSealer(EnvelopeSealer.newKek());

  @TempDir Path dataDir;

  @Test
  void servicesRunSeparatelyOnAReplicatedClusterAndAnyGatewayServesAnyProxy() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().nodes(3).deleteOnClose(true).start();
        WhoAmIServer backend = new WhoAmIServer("backend-1")) {
      List<AutoCloseable> started = new ArrayList<>();
      try {
        runAndCall(kafka, backend, started);
      } finally {
        // Services stop before the cluster they use.
        for (int i = started.size() - 1; i >= 0; i--) {
          started.get(i).close();
        }
      }
    }
  }

  private void runAndCall(EmbeddedKafka kafka, WhoAmIServer backend, List<AutoCloseable> started)
      throws Exception {
    Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
    Topics topics = new Topics("prod.");
    ServiceRunner.Running projector = run("projector", props, topics, started, null);
    ServiceRunner.Running api = run("command-api", props, topics, started, projector.address());
    ServiceRunner.Running gatewayA = run("xds-gateway", props, topics, started, null);
    ServiceRunner.Running gatewayB = run("xds-gateway", props, topics, started, null);
    for (AutoCloseable service : started) {
      ServiceRunner.Running running = (ServiceRunner.Running) service;
      await(running.service() + " ready")
          .atMost(Duration.ofSeconds(120))
          .until(running.ready()::getAsBoolean);
    }
    try (Admin admin = Admin.create(props)) {
      TopicDescription events =
          admin.describeTopics(List.of(topics.events())).allTopicNames().get().get(topics.events());
      assertThat(events.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
    }

    Rest rest = new Rest(api.address(), adminToken(dataDir.resolve("command-api-1")));
    assertThat(rest.putYaml("/meshes/default", "type: Mesh\nname: default\n").statusCode())
        .isEqualTo(201);
    assertThat(
            rest.putYaml(
                    "/meshes/default/dataplanes/backend-1", WalkingSkeletonIT.dataplane(backend))
                .statusCode())
        .isEqualTo(201);
    assertThat(
            rest.putYaml("/meshes/default/dataplanes/web-1", WalkingSkeletonIT.webDataplane())
                .statusCode())
        .isEqualTo(201);

    // The API answers a proxy's config from the projector service (which owns every mesh here).
    await("web-1's config through the API")
        .atMost(Duration.ofSeconds(60))
        .until(() -> rest.get("/meshes/default/dataplanes/web-1/_config").statusCode() == 200);
    assertThat(rest.get("/meshes/default/dataplanes/web-1/_config").body())
        .contains("\"dataplane\" : \"web-1\"")
        .contains("backend");
    assertThat(rest.get("/meshes/default/dataplanes/nobody/_config").statusCode()).isEqualTo(404);

    // The gateways require dataplane tokens, as `run xds-gateway` does by default.
    Path token = XdsClients.dataplaneTokenFile(rest, "default", "web-1", "web", dataDir);
    for (ServiceRunner.Running gateway : List.of(gatewayA, gatewayB)) {
      ManagedChannel channel =
          XdsClients.channel(gateway.address(), "default.web-1", "backend", token);
      try {
        await("a call through gateway " + gateway.address())
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).equals("backend-1"));
      } finally {
        XdsClients.close(channel);
      }
    }
  }

  private static String adminToken(Path commandApiDataDir) throws java.io.IOException {
    return java.nio.file.Files.readString(commandApiDataDir.resolve("admin-token")).trim();
  }

  private ServiceRunner.Running run(
      String service,
      Map<String, Object> props,
      Topics topics,
      List<AutoCloseable> started,
      String projectorUrl) {
    ServiceRunner.Running running =
        ServiceRunner.start(
            new ServiceRunner.Settings(
                service,
                props,
                topics,
                null,
                "127.0.0.1",
                0,
                3,
                (short) 3,
                dataDir.resolve(service + "-" + started.size()),
                ProjectorConfig.DEFAULT_APPLICATION_ID,
                SEALER,
                dataDir.resolve(service + "-" + started.size()).resolve("admin-token"),
                null,
                projectorUrl == null ? null : java.net.URI.create(projectorUrl),
                null,
                service.equals("xds-gateway")
                    ? XdsGatewayOptions.DEFAULTS.withRequireDataplaneTokens(true)
                    : null,
                null,
                null));
    started.add(running);
    return running;
  }
}
