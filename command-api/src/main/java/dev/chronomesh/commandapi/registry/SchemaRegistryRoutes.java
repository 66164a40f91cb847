package dev.chronomesh.commandapi.registry;

import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.events.registry.SchemaRegistryRestHandler;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.List;

/**
 * Serves the Confluent Schema Registry REST protocol of the Kafka-backed registry under {@link
 * #PREFIX} on the API's port, so Confluent-compatible tools can read Chronomesh's topics with
 * {@code schema.registry.url=http://<host>:5681/schema-registry}.
 */
public final class SchemaRegistryRoutes {
  public static final String PREFIX = "/schema-registry";

  private SchemaRegistryRoutes() {}

  public static void mount(Javalin app, KafkaSchemaRegistry registry) {
    SchemaRegistryRestHandler rest = new SchemaRegistryRestHandler(registry);
    Handler handler =
        ctx -> {
          // The raw (still percent-encoded) path: a %2F stays inside its subject name.
          String path = ctx.req().getRequestURI().substring(PREFIX.length());
          SchemaRegistryRestHandler.Response response =
              rest.handle(
                  ctx.method().name(),
                  path.isEmpty() ? "/" : path,
                  ctx.queryString(),
                  ctx.bodyAsBytes());
          ctx.status(response.status()).contentType(response.contentType());
          ctx.result(response.body());
        };
    for (HandlerType type :
        List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.DELETE)) {
      app.addHttpHandler(type, PREFIX, handler);
      app.addHttpHandler(type, PREFIX + "/*", handler);
    }
  }
}
