package dev.chronomesh.commandapi.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.commandapi.CommandApiConfig;
import dev.chronomesh.commandapi.CommandApiServer;
import dev.chronomesh.commandapi.ProxyConfigRoutes;
import dev.chronomesh.commandapi.registry.SchemaRegistryRoutes;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import io.javalin.http.HandlerType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route the server registers is described in /openapi.yaml, and every described route is
 * served: the running server (with token authentication, so the token routes exist, and the schema
 * registry mounted as in production) is compared with the description.
 */
class OpenApiCoverageIT {
  private static final Set<HandlerType> METHODS =
      EnumSet.of(
          HandlerType.GET,
          HandlerType.POST,
          HandlerType.PUT,
          HandlerType.DELETE,
          HandlerType.PATCH);

  @TempDir Path stateDir;

  @Test
  void servedRoutesAndDescribedRoutesAreTheSame() {
    Topics topics = new Topics("openapi.");
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(props, topics, 1, (short) 1);
      try (KafkaSchemaRegistry registry = KafkaSchemaRegistry.start(props, topics.schemas());
          CommandApiServer server =
              CommandApiServer.start(
                  new CommandApiConfig(
                      "127.0.0.1",
                      0,
                      props,
                      topics,
                      registry,
                      64 * 1024,
                      Duration.ofSeconds(30),
                      new EnvelopeSealer(EnvelopeSealer.newKek()),
                      null,
                      null,
                      null),
                  stateDir)) {
        SchemaRegistryRoutes.mount(server.app(), registry);
        ProxyConfigRoutes.mount(
            server.app(), (mesh, name) -> new ProxyConfigRoutes.Answer(404, ""));
        await().atMost(Duration.ofSeconds(60)).until(server::isReady);

        Set<String> served = new TreeSet<>();
        server.app().unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
            .map(e -> e.getEndpoint())
            .filter(e -> METHODS.contains(e.getMethod()))
            // The bare prefix is the wildcard's root; the description names both as one route.
            .map(
                e ->
                    e.getMethod()
                        + " "
                        + e.getPath().replaceFirst("^/schema-registry$", "/schema-registry/*"))
            .forEach(served::add);

        assertThat(served).contains("PUT /meshes/{name}", "POST /tokens/user", "GET /_resources");
        assertThat(served)
            .as("served routes missing from openapi.yaml")
            .isSubsetOf(OpenApiRoute.describedRoutes());
        assertThat(OpenApiRoute.describedRoutes())
            .as("described routes the server does not serve")
            .isSubsetOf(served);
      }
    }
  }
}
