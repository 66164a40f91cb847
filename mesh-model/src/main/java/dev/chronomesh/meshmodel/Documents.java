package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/** Reads one JSON or YAML document into a tree, and writes canonical JSON. */
public final class Documents {
  /** Plain JSON mapper: compact output, insertion order. */
  static final ObjectMapper JSON =
      new ObjectMapper().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());

  private static final YAMLMapper YAML = yamlMapper();

  private Documents() {}

  private static YAMLMapper yamlMapper() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setNestingDepthLimit(50);
    YAMLFactory factory = YAMLFactory.builder().loaderOptions(options).build();
    YAMLMapper mapper = new YAMLMapper(factory);
    mapper.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
    return mapper;
  }

  /**
   * Parses exactly one document.
   *
   * @throws ValidationException naming the syntax problem and its line and column, an empty body,
   *     or more than one document
   */
  public static JsonNode read(byte[] body, Format format) throws ValidationException {
    return read(body, format, false);
  }

  /**
   * Parses exactly one document; see {@link #read(byte[], Format)}.
   *
   * @param redact whether the body holds secret values: a syntax error then names only its line and
   *     column, because the parser's own message may quote the input
   */
  public static JsonNode read(byte[] body, Format format, boolean redact)
      throws ValidationException {
    ObjectMapper mapper = format == Format.YAML ? YAML : JSON;
    String what = format == Format.YAML ? "YAML" : "JSON";
    try (JsonParser parser = mapper.getFactory().createParser(body)) {
      if (parser.nextToken() == null) {
        throw invalid("the body is empty: expected one " + what + " document");
      }
      JsonNode tree = mapper.readTree(parser);
      if (parser.nextToken() != null) {
        throw invalid(
            "expected one " + what + " document, found more at " + where(parser.currentLocation()));
      }
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw invalid("the body is empty: expected one " + what + " document");
      }
      return tree;
    } catch (JsonProcessingException e) {
      if (redact) {
        throw invalid("invalid " + what + where(e.getLocation(), " at "));
      }
      String message = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
      message = message.replaceAll("\\s+", " ").trim();
      if (message.length() > 300) {
        message = message.substring(0, 300) + "...";
      }
      throw invalid("invalid " + what + where(e.getLocation(), " at ") + ": " + message);
    } catch (IOException e) {
      throw new UncheckedIOException("reading an in-memory body", e);
    } catch (RuntimeException e) {
      // SnakeYAML signals some limits (aliases, nesting, code points) with unchecked exceptions.
      if (redact) {
        throw invalid("invalid " + what);
      }
      String message = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim();
      if (message.length() > 300) {
        message = message.substring(0, 300) + "...";
      }
      throw invalid("invalid " + what + ": " + message);
    }
  }

  private static String where(JsonLocation location, String prefix) {
    if (location == null || location.getLineNr() < 1) {
      return "";
    }
    return prefix + where(location);
  }

  private static String where(JsonLocation location) {
    return "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static ValidationException invalid(String reason) {
    return new ValidationException(List.of(new Violation("", reason)));
  }

  /** The tree as compact JSON with object keys sorted at every level. */
  public static String canonicalJson(JsonNode node) {
    try {
      return JSON.writeValueAsString(sorted(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
  }

  /**
   * The stored spec of {@code payload} when it is the envelope {@link
   * dev.chronomesh.events.avro.PolicyResource} of type {@code type} (MeshService, MeshTrust, ...);
   * empty for any other payload.
   *
   * @throws IllegalStateException when the stored spec is not JSON (a bug upstream)
   */
  public static java.util.Optional<JsonNode> envelopeSpec(Object payload, String type) {
    if (!(payload instanceof dev.chronomesh.events.avro.PolicyResource r)
        || !r.getType().equals(type)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(parseStoredJson(r.getSpec()));
  }

  /** Parses JSON this module wrote (stored canonical JSON); a bug when it is not JSON. */
  static JsonNode parseStoredJson(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON is not valid", e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      for (String name : names) {
        out.set(name, sorted(node.get(name)));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(child -> out.add(sorted(child)));
      return out;
    }
    return node;
  }
}
