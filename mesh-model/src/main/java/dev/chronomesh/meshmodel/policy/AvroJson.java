package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violations;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * A schema-guided converter between Jackson trees and Avro specific records whose field names are
 * the JSON names. JSON → Avro collects every problem with its path (unknown fields, wrong types,
 * missing required fields); Avro → JSON leaves nulls out, so a document round-trips to itself.
 * Supported schemas: records, arrays, maps, string, int, long, double, boolean and unions of null
 * with any of these (a union of string and int picks the branch by the JSON type).
 */
final class AvroJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private AvroJson() {}

  /** The value of {@code node} under {@code schema}, or null with violations under {@code path}. */
  static Object fromJson(JsonNode node, Schema schema, String path, Violations v) {
    switch (schema.getType()) {
      case RECORD -> {
        if (!node.isObject()) {
          v.add(path, "must be an object");
          return null;
        }
        IndexedRecord record = (IndexedRecord) SpecificData.get().newRecord(null, schema);
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
          String name = names.next();
          if (schema.getField(name) == null) {
            v.add(Violations.field(path, name), "unknown field");
          }
        }
        int before = v.size();
        for (Schema.Field field : schema.getFields()) {
          JsonNode value = node.get(field.name());
          String fieldPath = Violations.field(path, field.name());
          if (value == null || value.isNull()) {
            if (nullable(field.schema())) {
              record.put(field.pos(), null);
            } else if (field.hasDefaultValue()) {
              record.put(field.pos(), SpecificData.get().getDefaultValue(field));
            } else {
              v.add(fieldPath, "cannot be empty");
            }
          } else {
            record.put(field.pos(), fromJson(value, field.schema(), fieldPath, v));
          }
        }
        return v.size() == before ? record : null;
      }
      case UNION -> {
        List<Schema> branches = new ArrayList<>();
        for (Schema s : schema.getTypes()) {
          if (s.getType() != Schema.Type.NULL) branches.add(s);
        }
        if (node.isNull()) return null;
        if (branches.size() == 1) return fromJson(node, branches.get(0), path, v);
        for (Schema s : branches) {
          if (accepts(s, node)) return fromJson(node, s, path, v);
        }
        v.add(path, "must be " + describe(branches));
        return null;
      }
      case ARRAY -> {
        if (!node.isArray()) {
          v.add(path, "must be an array");
          return null;
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
          out.add(fromJson(node.get(i), schema.getElementType(), Violations.index(path, i), v));
        }
        return out;
      }
      case MAP -> {
        if (!node.isObject()) {
          v.add(path, "must be an object");
          return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        node.fields()
            .forEachRemaining(
                e ->
                    out.put(
                        e.getKey(),
                        fromJson(
                            e.getValue(),
                            schema.getValueType(),
                            Violations.key(path, e.getKey()),
                            v)));
        return out;
      }
      case STRING -> {
        if (!node.isTextual()) {
          v.add(path, "must be a string");
          return null;
        }
        return node.textValue();
      }
      case INT -> {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
          v.add(path, "must be an integer");
          return null;
        }
        return node.intValue();
      }
      case LONG -> {
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
          v.add(path, "must be an integer");
          return null;
        }
        return node.longValue();
      }
      case DOUBLE -> {
        if (!node.isNumber()) {
          v.add(path, "must be a number");
          return null;
        }
        return node.doubleValue();
      }
      case BOOLEAN -> {
        if (!node.isBoolean()) {
          v.add(path, "must be a boolean");
          return null;
        }
        return node.booleanValue();
      }
      default -> throw new IllegalArgumentException("unsupported schema " + schema.getType());
    }
  }

  /** The JSON form of an Avro value of {@code schema}; null values are left out of objects. */
  static JsonNode toJson(Object value, Schema schema) {
    if (value == null) return F.nullNode();
    switch (schema.getType()) {
      case RECORD -> {
        IndexedRecord record = (IndexedRecord) value;
        ObjectNode out = F.objectNode();
        for (Schema.Field field : schema.getFields()) {
          Object fieldValue = record.get(field.pos());
          if (fieldValue != null) {
            out.set(field.name(), toJson(fieldValue, field.schema()));
          }
        }
        return out;
      }
      case UNION -> {
        int branch = SpecificData.get().resolveUnion(schema, value);
        return toJson(value, schema.getTypes().get(branch));
      }
      case ARRAY -> {
        ArrayNode out = F.arrayNode();
        for (Object item : (List<?>) value) out.add(toJson(item, schema.getElementType()));
        return out;
      }
      case MAP -> {
        ObjectNode out = F.objectNode();
        new java.util.TreeMap<>((Map<?, ?>) value)
            .forEach((k, item) -> out.set(k.toString(), toJson(item, schema.getValueType())));
        return out;
      }
      case STRING -> {
        return F.textNode(value.toString());
      }
      case INT -> {
        return F.numberNode((Integer) value);
      }
      case LONG -> {
        return F.numberNode((Long) value);
      }
      case DOUBLE -> {
        return F.numberNode((Double) value);
      }
      case BOOLEAN -> {
        return F.booleanNode((Boolean) value);
      }
      default -> throw new IllegalArgumentException("unsupported schema " + schema.getType());
    }
  }

  private static boolean nullable(Schema schema) {
    return schema.getType() == Schema.Type.UNION
        && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
  }

  private static boolean accepts(Schema s, JsonNode node) {
    return switch (s.getType()) {
      case STRING -> node.isTextual();
      case INT, LONG -> node.isIntegralNumber();
      case DOUBLE -> node.isNumber();
      case BOOLEAN -> node.isBoolean();
      case RECORD, MAP -> node.isObject();
      case ARRAY -> node.isArray();
      default -> false;
    };
  }

  private static String describe(List<Schema> branches) {
    List<String> names = new ArrayList<>();
    for (Schema s : branches) {
      names.add(
          switch (s.getType()) {
            case STRING -> "a string";
            case INT, LONG -> "an integer";
            case DOUBLE -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            default -> "an object";
          });
    }
    return String.join(" or ", names);
  }
}
