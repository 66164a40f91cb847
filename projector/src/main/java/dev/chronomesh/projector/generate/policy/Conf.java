package dev.chronomesh.projector.generate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.projector.generate.Protos;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Lenient readers of merged policy confs (Jackson trees in Kuma's field names): a missing field or
 * one of an unexpected JSON type reads as absent, never as an exception.
 */
final class Conf {
  private Conf() {}

  /** The object at {@code path} below {@code node}, or a missing node. */
  static JsonNode at(JsonNode node, String... path) {
    JsonNode current = node;
    for (String field : path) {
      if (current == null || !current.isObject()) {
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
      }
      current = current.path(field);
    }
    return current == null
        ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
        : current;
  }

  /** Whether {@code node} is an object (a present section). */
  static boolean present(JsonNode node) {
    return node != null && node.isObject();
  }

  static Optional<String> text(JsonNode node, String field) {
    JsonNode v = at(node, field);
    return v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }

  static Optional<Duration> duration(JsonNode node, String field) {
    return text(node, field)
        .flatMap(GoDuration::parse)
        .map(d -> Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build());
  }

  /** A non-negative integer (JSON number, or a string of digits). */
  static OptionalLong integer(JsonNode node, String field) {
    JsonNode v = at(node, field);
    if (v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0) {
      return OptionalLong.of(v.asLong());
    }
    if (v.isTextual() && v.asText().strip().matches("\\d{1,18}")) {
      return OptionalLong.of(Long.parseLong(v.asText().strip()));
    }
    return OptionalLong.empty();
  }

  /** A uint32 value, clamped to {@code [0, 2^32-1]}. */
  static Optional<Integer> uint32(JsonNode node, String field) {
    OptionalLong v = integer(node, field);
    return v.isPresent()
        ? Optional.of((int) Math.min(v.getAsLong(), 0xFFFF_FFFFL))
        : Optional.empty();
  }

  static Optional<Boolean> bool(JsonNode node, String field) {
    JsonNode v = at(node, field);
    return v.isBoolean() ? Optional.of(v.asBoolean()) : Optional.empty();
  }

  /** Kuma's IntOrString decimal: a JSON number or a string such as {@code "1.9"}. */
  static Optional<BigDecimal> decimal(JsonNode node, String field) {
    JsonNode v = at(node, field);
    if (v.isNumber()) {
      return Optional.of(v.decimalValue());
    }
    if (v.isTextual()) {
      try {
        return Optional.of(new BigDecimal(v.asText().strip()));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** The elements of the array at {@code field}; empty when absent or not an array. */
  static List<JsonNode> list(JsonNode node, String field) {
    JsonNode v = at(node, field);
    List<JsonNode> out = new ArrayList<>();
    if (v.isArray()) {
      v.forEach(out::add);
    }
    return out;
  }

  /** The textual elements of the array at {@code field}. */
  static List<String> texts(JsonNode node, String field) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : list(node, field)) {
      if (e.isTextual()) {
        out.add(e.asText());
      } else if (e.isNumber()) {
        out.add(e.asText());
      }
    }
    return out;
  }

  /** {@code Any} holding the deterministic bytes of {@code message} (map order fixed). */
  static Any pack(Message message) {
    return Protos.pack(message);
  }

  /** Unpacks {@code any} as {@code type}, or empty when it holds something else. */
  static <T extends Message> Optional<T> unpack(Any any, Class<T> type) {
    try {
      return any.is(type) ? Optional.of(any.unpack(type)) : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
