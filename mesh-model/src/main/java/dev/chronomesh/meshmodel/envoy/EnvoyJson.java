package dev.chronomesh.meshmodel.envoy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Envoy resources written as YAML or JSON (MeshProxyPatch's {@code value}s, the JSON form its
 * {@code jsonPatches} apply to, a proxy's config as {@code _config} shows it), read into and
 * printed from Envoy's protobuf messages. A typed config's {@code @type} is resolved to its
 * generated class by the proto packages' Java naming ({@code envoy.*} → {@code
 * io.envoyproxy.envoy.*}, {@code google.protobuf.*} → {@code com.google.protobuf.*}, {@code
 * xds.*}/{@code udpa.*} → {@code com.github.*}), so any extension java-control-plane ships is
 * understood without a hand-kept registry.
 */
public final class EnvoyJson {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TYPE_URL_PREFIX = "type.googleapis.com/";
  private static final Map<String, Descriptor> TYPES = new ConcurrentHashMap<>();

  private EnvoyJson() {}

  /**
   * Merges the resource {@code yaml} describes into {@code builder}.
   *
   * @throws IllegalArgumentException naming what is wrong (not YAML, an unknown field or type)
   */
  public static void merge(String yaml, Message.Builder builder) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not YAML: " + e.getOriginalMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException("must be a YAML object");
    }
    merge(tree, builder);
  }

  /**
   * Merges the JSON form of a resource into {@code builder}; see {@link #merge(String,
   * Message.Builder)}.
   */
  public static void merge(JsonNode json, Message.Builder builder) {
    try {
      JsonFormat.parser()
          .usingTypeRegistry(registry(json))
          .merge(JSON.writeValueAsString(json), builder);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The JSON form of {@code message} (proto3 JSON, field names in lowerCamelCase). */
  public static JsonNode toJson(Message message) {
    try {
      JsonFormat.TypeRegistry registry = registryOf(message);
      return JSON.readTree(
          JsonFormat.printer()
              .usingTypeRegistry(registry)
              .omittingInsignificantWhitespace()
              .print(message));
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot print " + message.getDescriptorForType().getFullName(), e);
    }
  }

  /** The descriptors of every {@code @type} in {@code json}. */
  private static JsonFormat.TypeRegistry registry(JsonNode json) {
    JsonFormat.TypeRegistry.Builder builder = JsonFormat.TypeRegistry.newBuilder();
    List<JsonNode> todo = new ArrayList<>(List.of(json));
    while (!todo.isEmpty()) {
      JsonNode node = todo.remove(todo.size() - 1);
      if (node.isObject()) {
        JsonNode type = node.get("@type");
        if (type != null && type.isTextual()) {
          builder.add(descriptor(type.textValue()));
        }
        node.forEach(todo::add);
      } else if (node.isArray()) {
        node.forEach(todo::add);
      }
    }
    return builder.build();
  }

  /** A registry of the messages packed in the messages' Any fields, recursively. */
  public static JsonFormat.TypeRegistry registryOf(Message... messages) {
    return JsonFormat.TypeRegistry.newBuilder().add(packedTypes(messages)).build();
  }

  /** The descriptors of the messages packed in the messages' Any fields, recursively. */
  public static List<Descriptor> packedTypes(Message... messages) {
    List<Descriptor> builder = new ArrayList<>();
    List<Message> todo = new ArrayList<>(List.of(messages));
    while (!todo.isEmpty()) {
      Message m = todo.remove(todo.size() - 1);
      Descriptor type = m.getDescriptorForType();
      if (type.getFullName().equals("google.protobuf.Any")) {
        // Also an Any inside a DynamicMessage, which is not a com.google.protobuf.Any.
        String url = (String) m.getField(type.findFieldByName("type_url"));
        if (!url.isEmpty()) {
          Descriptor d = descriptor(url);
          builder.add(d);
          try {
            todo.add(
                com.google.protobuf.DynamicMessage.parseFrom(
                    d, (com.google.protobuf.ByteString) m.getField(type.findFieldByName("value"))));
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
          }
        }
        continue;
      }
      for (var field : m.getAllFields().entrySet()) {
        if (field.getKey().getJavaType()
            != com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE) {
          continue;
        }
        if (field.getKey().isRepeated()) {
          for (Object o : (List<?>) field.getValue()) {
            if (o instanceof Message nested) {
              todo.add(nested);
            } else if (o instanceof com.google.protobuf.MapEntry<?, ?> entry
                && entry.getValue() instanceof Message value) {
              todo.add(value);
            }
          }
        } else if (field.getValue() instanceof Message nested) {
          todo.add(nested);
        }
      }
    }
    return builder;
  }

  /**
   * The descriptor of a type URL's message, found by its generated class.
   *
   * @throws IllegalArgumentException when no generated class has that name
   */
  public static Descriptor descriptor(String typeUrl) {
    String name =
        typeUrl.startsWith(TYPE_URL_PREFIX) ? typeUrl.substring(TYPE_URL_PREFIX.length()) : typeUrl;
    Descriptor known = TYPES.get(name);
    if (known != null) {
      return known;
    }
    for (String candidate : javaNames(name)) {
      try {
        Class<?> c = Class.forName(candidate);
        Descriptor d = (Descriptor) c.getMethod("getDescriptor").invoke(null);
        if (d.getFullName().equals(name)) {
          TYPES.put(name, d);
          return d;
        }
      } catch (ReflectiveOperationException | ClassCastException e) {
        // try the next naming
      }
    }
    throw new IllegalArgumentException("unknown type " + typeUrl);
  }

  /** The class names a proto message may have: nested messages use '$'. */
  private static List<String> javaNames(String protoName) {
    List<String> prefixes = new ArrayList<>();
    if (protoName.startsWith("google.protobuf.")) {
      prefixes.add("com.");
    } else if (protoName.startsWith("xds.") || protoName.startsWith("udpa.")) {
      prefixes.add("com.github.");
    } else {
      prefixes.add("io.envoyproxy.");
    }
    List<String> out = new ArrayList<>();
    String[] parts = protoName.split("\\.");
    for (String prefix : prefixes) {
      // The package is the lower-case parts; the message and its parents are capitalised.
      int first = 0;
      while (first < parts.length && !Character.isUpperCase(parts[first].charAt(0))) {
        first++;
      }
      if (first == parts.length) {
        continue;
      }
      String pkg = String.join(".", java.util.Arrays.copyOfRange(parts, 0, first));
      String type = String.join("$", java.util.Arrays.copyOfRange(parts, first, parts.length));
      out.add(prefix + pkg + "." + type);
    }
    return out;
  }
}
