package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violations;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;

/**
 * Kuma's {@code intstr.IntOrString} as its policies use it for decimals ({@code
 * standardDeviationFactor: "1.9"}, {@code percentage: 50}): a JSON integer or a string, kept as
 * written. Whether the string is a decimal is the validator's to say ({@link #decimal()}).
 *
 * @param json the integer or string as written
 */
public record IntOrString(JsonNode json) implements JsonBinding.Value {
  public IntOrString {
    Objects.requireNonNull(json, "json");
    if (!json.isTextual() && !json.isIntegralNumber()) {
      throw new IllegalArgumentException("must be a string or an integer");
    }
  }

  /** The bound value, or null with a violation when the JSON is neither a string nor an integer. */
  public static IntOrString read(JsonNode node, String path, Violations v) {
    if (!node.isTextual() && !node.isIntegralNumber()) {
      v.add(path, "must be a string or an integer");
      return null;
    }
    return new IntOrString(node.deepCopy());
  }

  /** An integer value. */
  public static IntOrString of(long value) {
    return new IntOrString(JsonNodeFactory.instance.numberNode(value));
  }

  /** A string value. */
  public static IntOrString of(String value) {
    return new IntOrString(JsonNodeFactory.instance.textNode(value));
  }

  /** The JSON Schema of an int-or-string field. */
  public static ObjectNode schema() {
    ObjectNode s = JsonNodeFactory.instance.objectNode();
    ArrayNode types = s.putArray("type");
    types.add("integer").add("string");
    return s;
  }

  /** The value as a decimal number, or empty when the string is not one. */
  public Optional<BigDecimal> decimal() {
    if (json.isIntegralNumber()) {
      return Optional.of(json.decimalValue());
    }
    try {
      return Optional.of(new BigDecimal(json.textValue().strip()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The value as written, for messages. */
  public String text() {
    return json.asText();
  }

  @Override
  public JsonNode toJson() {
    return json.deepCopy();
  }
}
