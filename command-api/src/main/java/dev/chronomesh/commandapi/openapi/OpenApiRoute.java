package dev.chronomesh.commandapi.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Serves this API's OpenAPI 3.1 description ({@code openapi.yaml} on the classpath) at {@code GET
 * /openapi.yaml}, and lists the routes it describes so a test can compare them with the routes the
 * server registers.
 */
public final class OpenApiRoute {
  /** Where the description is served. */
  public static final String PATH = "/openapi.yaml";

  /** The extension a path item uses to name its Javalin route when it differs from the key. */
  static final String ROUTE_EXTENSION = "x-chronomesh-route";

  static final String RESOURCE = "/openapi.yaml";
  private static final List<String> METHODS =
      List.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  private OpenApiRoute() {}

  /** Adds {@code GET /openapi.yaml} (application/yaml) to the app. */
  public static void install(Javalin app) {
    byte[] document = document();
    app.get(PATH, ctx -> ctx.contentType("application/yaml").result(document));
  }

  /**
   * The routes the description holds, as {@code "METHOD /path/{param}"} (upper-case method, the
   * path as written in {@code paths}, or as the item's {@value #ROUTE_EXTENSION} when it has one,
   * e.g. {@code "GET /schema-registry/*"}), sorted.
   */
  public static Set<String> describedRoutes() {
    JsonNode paths = parse().path("paths");
    Set<String> routes = new TreeSet<>();
    for (Map.Entry<String, JsonNode> item : paths.properties()) {
      JsonNode override = item.getValue().get(ROUTE_EXTENSION);
      String path = override != null && override.isTextual() ? override.asText() : item.getKey();
      for (String method : METHODS) {
        if (item.getValue().has(method)) {
          routes.add(method.toUpperCase(Locale.ROOT) + " " + path);
        }
      }
    }
    return Collections.unmodifiableSet(routes);
  }

  /** The description, parsed. */
  static JsonNode parse() {
    try {
      return new YAMLMapper().readTree(document());
    } catch (IOException e) {
      throw new IllegalStateException("openapi.yaml on the classpath is not valid YAML", e);
    }
  }

  /** The description's bytes, read from the classpath. */
  static byte[] document() {
    try (InputStream in = OpenApiRoute.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read openapi.yaml from the classpath", e);
    }
  }
}
