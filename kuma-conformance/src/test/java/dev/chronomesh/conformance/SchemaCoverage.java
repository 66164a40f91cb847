package dev.chronomesh.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chronomesh.meshmodel.policy.JsonBinding;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The properties of a policy's confs in Kuma's OpenAPI schema ({@code rest.yaml}) that its records
 * neither bind nor declare {@link JsonBinding.NotSupportedYet}: a Kuma user who sets one gets
 * "unknown field" instead of "not supported yet".
 */
final class SchemaCoverage {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private SchemaCoverage() {}

  /** {@code <Type> <path>} of every such property, e.g. {@code MeshRetry to[].default.http.x}. */
  static SortedSet<String> gaps(PolicyType<?> type) {
    JsonNode spec = spec(type.name());
    SortedSet<String> out = new TreeSet<>();
    for (PolicyType.Section section : type.sections()) {
      String field = section.field();
      JsonNode sectionSchema = spec.path("properties").path(field);
      if (section == PolicyType.Section.DEFAULT) {
        walk(sectionSchema, type.confClass(), type.name() + " default", out);
      } else if (type.inlineTo() && field.equals("to")) {
        JsonNode item = sectionSchema.path("items");
        walkProperties(item, type.confClass(), type.name() + " to[]", Set.of("targetRef"), out);
      } else {
        walk(
            sectionSchema.path("items").path("properties").path("default"),
            type.confClass(),
            type.name() + " " + field + "[].default",
            out);
      }
    }
    return out;
  }

  private static JsonNode spec(String type) {
    Path file = KumaDocument.ROOT.resolve("schemas").resolve(type + ".rest.yaml");
    try {
      JsonNode root = YAML.readTree(Files.readString(file));
      return root.path("components")
          .path("schemas")
          .path(type + "Item")
          .path("properties")
          .path("spec");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void walk(JsonNode schema, Type javaType, String path, SortedSet<String> out) {
    if (schema.isMissingNode() || javaType == JsonNode.class) {
      return;
    }
    if (javaType instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      Type arg = p.getActualTypeArguments()[p.getActualTypeArguments().length - 1];
      if (raw == List.class) {
        walk(schema.path("items"), arg, path + "[]", out);
      } else if (raw == Map.class) {
        walk(schema.path("additionalProperties"), arg, path + "{}", out);
      }
      return;
    }
    if (javaType instanceof Class<?> c && c.isRecord()) {
      walkProperties(schema, c, path, Set.of(), out);
    }
  }

  private static void walkProperties(
      JsonNode schema, Type javaType, String path, Set<String> skip, SortedSet<String> out) {
    Class<?> c = (Class<?>) javaType;
    JsonBinding.NotSupportedYet refused = c.getAnnotation(JsonBinding.NotSupportedYet.class);
    Set<String> declared = refused == null ? Set.of() : Set.of(refused.value());
    RecordComponent[] components = c.getRecordComponents();
    schema
        .path("properties")
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (skip.contains(name) || declared.contains(name)) {
                return;
              }
              RecordComponent bound =
                  Arrays.stream(components)
                      .filter(rc -> jsonName(rc).equals(name))
                      .findFirst()
                      .orElse(null);
              String p = path + "." + name;
              if (bound == null) {
                out.add(p);
              } else {
                walk(schema.path("properties").path(name), bound.getGenericType(), p, out);
              }
            });
  }

  private static String jsonName(RecordComponent rc) {
    JsonBinding.Json json = rc.getAnnotation(JsonBinding.Json.class);
    return json == null ? rc.getName() : json.value();
  }
}
