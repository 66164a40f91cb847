package dev.chronomesh.commandapi.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.PolicyType;
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
 * Serves this API's OpenAPI 3.1 description at {@code GET /openapi.yaml}: {@code openapi.yaml} on
 * the classpath with the policy types' path items and schemas derived from the registered types
 * ({@link #expand}). Lists the routes it describes so a test can compare them with the routes the
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
    app.get(PATH, ctx -> ctx.contentType("application/yaml").result(DOCUMENT));
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

  /** The description, parsed, with the policy types' path items and schemas. */
  static JsonNode parse() {
    return DESCRIPTION;
  }

  /** The description's bytes as served: YAML with every policy type expanded. */
  static byte[] document() {
    return DOCUMENT.clone();
  }

  private static final JsonNode DESCRIPTION = expand(readSource());
  private static final byte[] DOCUMENT = write(DESCRIPTION);

  /** The extension holding the path items of a policy type, with {@code {{...}}} placeholders. */
  static final String POLICY_PATHS = "x-chronomesh-policy-paths";

  /** The path item after which the policy types' items are inserted. */
  private static final String POLICIES_AFTER = "/secrets";

  /**
   * The source with {@value #POLICY_PATHS} expanded once per registered policy type ({@link
   * Policies#all()}): its four path items after {@value #POLICIES_AFTER}, a schema {@code <Type>}
   * (the resource) and {@code <Type>Spec} (derived from the type's typed records), and the {@code
   * Policy} schema's type enum. A new policy type is described by its registration alone.
   */
  static JsonNode expand(ObjectNode source) {
    ObjectNode doc = source.deepCopy();
    JsonNode template = doc.remove(POLICY_PATHS);
    if (template == null || !template.isObject()) {
      throw new IllegalStateException("openapi.yaml has no " + POLICY_PATHS);
    }
    ObjectNode paths = (ObjectNode) doc.get("paths");
    ObjectNode expanded = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> item : paths.properties()) {
      expanded.set(item.getKey(), item.getValue());
      if (item.getKey().equals(POLICIES_AFTER)) {
        for (PolicyType<?> type : Policies.all()) {
          Map<String, String> values =
              Map.of(
                  "{{type}}", type.name(),
                  "{{plural}}", type.plural(),
                  "{{summary}}", type.summary());
          for (Map.Entry<String, JsonNode> t : template.properties()) {
            expanded.set(substitute(t.getKey(), values), substitute(t.getValue(), values));
          }
        }
      }
    }
    doc.set("paths", expanded);
    addAtParameter(expanded);
    ObjectNode schemas = (ObjectNode) doc.path("components").path("schemas");
    ObjectNode policy = (ObjectNode) schemas.get("Policy");
    ArrayNode names = ((ObjectNode) policy.path("properties").path("type")).putArray("enum");
    for (PolicyType<?> type : Policies.all()) {
      names.add(type.name());
      ObjectNode resource = policy.deepCopy();
      resource.put("description", type.name() + ": " + type.summary());
      ((ObjectNode) resource.get("properties")).putObject("type").putArray("enum").add(type.name());
      ((ObjectNode) resource.get("properties"))
          .putObject("spec")
          .put("$ref", "#/components/schemas/" + type.name() + "Spec");
      schemas.set(type.name(), resource);
      schemas.set(type.name() + "Spec", type.specSchema());
    }
    return doc;
  }

  /**
   * The {@code at} query parameter on every read of resources (a get or a list of a resource type's
   * path: no {@code _} segment), which {@code ResourceRoutes} answers from the event log.
   */
  private static void addAtParameter(ObjectNode paths) {
    java.util.Set<String> plurals = new java.util.HashSet<>();
    dev.chronomesh.meshmodel.ResourceType.all().forEach(t -> plurals.add(t.plural()));
    for (Map.Entry<String, JsonNode> item : paths.properties()) {
      List<String> segments =
          java.util.Arrays.stream(item.getKey().split("/")).filter(x -> !x.isEmpty()).toList();
      boolean resourcePath =
          !segments.isEmpty()
              && segments.stream().noneMatch(x -> x.startsWith("_"))
              && segments.stream()
                  .filter(x -> !x.startsWith("{"))
                  .reduce((a, b) -> b)
                  .map(plurals::contains)
                  .orElse(false);
      JsonNode get = item.getValue().get("get");
      if (resourcePath && get instanceof ObjectNode op) {
        op.withArray("parameters").addObject().put("$ref", "#/components/parameters/at");
      }
    }
  }

  private static JsonNode substitute(JsonNode node, Map<String, String> values) {
    if (node.isTextual()) {
      return JsonNodeFactory.instance.textNode(substitute(node.textValue(), values));
    }
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      node.properties()
          .forEach(e -> out.set(substitute(e.getKey(), values), substitute(e.getValue(), values)));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(e -> out.add(substitute(e, values)));
      return out;
    }
    return node.deepCopy();
  }

  private static String substitute(String text, Map<String, String> values) {
    String out = text;
    for (Map.Entry<String, String> v : values.entrySet()) {
      out = out.replace(v.getKey(), v.getValue());
    }
    return out;
  }

  /** The source description ({@code openapi.yaml} on the classpath), parsed. */
  private static ObjectNode readSource() {
    try (InputStream in = OpenApiRoute.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the classpath");
      }
      return (ObjectNode) new YAMLMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read openapi.yaml from the classpath", e);
    }
  }

  private static byte[] write(JsonNode doc) {
    try {
      return new YAMLMapper()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .writeValueAsBytes(doc);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the OpenAPI description", e);
    }
  }
}
