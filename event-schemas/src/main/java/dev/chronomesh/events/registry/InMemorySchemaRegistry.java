package dev.chronomesh.events.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A registry held in memory, with BACKWARD compatibility per subject. For unit and topology tests
 * only; services use the Confluent REST client or the Kafka-backed registry.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
  private final Map<Integer, Schema> byId = new HashMap<>();
  private final Map<Schema, Integer> ids = new HashMap<>();
  private final Map<String, List<Schema>> subjects = new HashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    List<Schema> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
    if (!versions.contains(schema)) {
      if (!isCompatible(subject, schema)) {
        throw new SchemaRegistryException(
            409,
            "Schema being registered is incompatible with an earlier schema for subject "
                + subject);
      }
      versions.add(schema);
    }
    return ids.computeIfAbsent(
        schema,
        s -> {
          int id = byId.size() + 1;
          byId.put(id, s);
          return id;
        });
  }

  @Override
  public synchronized Schema schemaById(int id) {
    Schema schema = byId.get(id);
    if (schema == null) {
      throw new SchemaRegistryException(40403, "Schema " + id + " not found");
    }
    return schema;
  }

  @Override
  public synchronized boolean isCompatible(String subject, Schema schema) {
    List<Schema> versions = subjects.getOrDefault(subject, List.of());
    if (versions.isEmpty()) {
      return true;
    }
    Schema latest = versions.get(versions.size() - 1);
    return SchemaCompatibility.checkReaderWriterCompatibility(schema, latest).getType()
        == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
  }
}
