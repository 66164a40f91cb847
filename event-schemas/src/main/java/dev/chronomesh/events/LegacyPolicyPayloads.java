package dev.chronomesh.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.MeshCircuitBreakerResource;
import dev.chronomesh.events.avro.MeshHTTPRouteResource;
import dev.chronomesh.events.avro.MeshHealthCheckResource;
import dev.chronomesh.events.avro.MeshLoadBalancingStrategyResource;
import dev.chronomesh.events.avro.MeshRetryResource;
import dev.chronomesh.events.avro.MeshTCPRouteResource;
import dev.chronomesh.events.avro.MeshTimeoutResource;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.events.avro.ResourceEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The upcaster of events and commands written before ResourceEvent v3: their policy payloads were
 * per-type Avro records (MeshTimeoutResource, ...), today every policy is a {@link PolicyResource}
 * whose spec is the policy's JSON. Applied by {@link AvroSerde} as records are read, so no reader
 * ever sees the old form. The spec is rendered by the old record's schema, whose field names are
 * Kuma's, with nulls left out: the document the policy was written as.
 */
public final class LegacyPolicyPayloads {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The per-type records of ResourceEvent v2, each named {@code <Kuma type>Resource}. */
  private static final Set<Class<? extends SpecificRecord>> LEGACY =
      Set.of(
          MeshTimeoutResource.class,
          MeshRetryResource.class,
          MeshCircuitBreakerResource.class,
          MeshHealthCheckResource.class,
          MeshLoadBalancingStrategyResource.class,
          MeshHTTPRouteResource.class,
          MeshTCPRouteResource.class);

  private LegacyPolicyPayloads() {}

  /** {@code record} with a legacy policy payload replaced by its envelope; else itself. */
  public static <T> T upcast(T record) {
    if (record instanceof ResourceEvent e && isLegacy(e.getPayload())) {
      ResourceEvent copy = ResourceEvent.newBuilder(e).build();
      copy.setPayload(envelope((SpecificRecord) e.getPayload()));
      @SuppressWarnings("unchecked")
      T t = (T) copy;
      return t;
    }
    if (record instanceof Command c && isLegacy(c.getPayload())) {
      Command copy = Command.newBuilder(c).build();
      copy.setPayload(envelope((SpecificRecord) c.getPayload()));
      @SuppressWarnings("unchecked")
      T t = (T) copy;
      return t;
    }
    return record;
  }

  static boolean isLegacy(Object payload) {
    return payload != null && LEGACY.contains(payload.getClass());
  }

  /** A legacy policy record as the envelope. */
  static PolicyResource envelope(SpecificRecord legacy) {
    Schema schema = legacy.getSchema();
    String type = schema.getName().substring(0, schema.getName().length() - "Resource".length());
    Schema.Field spec = schema.getField("spec");
    @SuppressWarnings("unchecked")
    Map<String, String> labels = (Map<String, String>) legacy.get(schema.getField("labels").pos());
    try {
      return PolicyResource.newBuilder()
          .setType(type)
          .setName(legacy.get(schema.getField("name").pos()).toString())
          .setMesh(legacy.get(schema.getField("mesh").pos()).toString())
          .setLabels(labels == null ? Map.of() : new TreeMap<>(labels))
          .setSpec(JSON.writeValueAsString(toJson(legacy.get(spec.pos()), spec.schema())))
          .build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JSON form of an Avro value of {@code schema}; null values are left out of objects. */
  static JsonNode toJson(Object value, Schema schema) {
    if (value == null) {
      return F.nullNode();
    }
    return switch (schema.getType()) {
      case RECORD -> {
        IndexedRecord record = (IndexedRecord) value;
        ObjectNode out = F.objectNode();
        for (Schema.Field field : schema.getFields()) {
          Object fieldValue = record.get(field.pos());
          if (fieldValue != null) {
            out.set(field.name(), toJson(fieldValue, field.schema()));
          }
        }
        yield out;
      }
      case UNION -> {
        int branch = SpecificData.get().resolveUnion(schema, value);
        yield toJson(value, schema.getTypes().get(branch));
      }
      case ARRAY -> {
        ArrayNode out = F.arrayNode();
        for (Object item : (List<?>) value) {
          out.add(toJson(item, schema.getElementType()));
        }
        yield out;
      }
      case MAP -> {
        ObjectNode out = F.objectNode();
        new TreeMap<>((Map<?, ?>) value)
            .forEach((k, item) -> out.set(k.toString(), toJson(item, schema.getValueType())));
        yield out;
      }
      case STRING -> F.textNode(value.toString());
      case INT -> F.numberNode((Integer) value);
      case LONG -> F.numberNode((Long) value);
      case DOUBLE -> F.numberNode((Double) value);
      case BOOLEAN -> F.booleanNode((Boolean) value);
      default -> throw new IllegalArgumentException("unsupported schema " + schema.getType());
    };
  }
}
