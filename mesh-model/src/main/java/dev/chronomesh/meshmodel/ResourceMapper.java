package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * Maps one resource type between its Kuma document (JSON/YAML tree) and its Avro record. The common
 * fields (type, name, mesh, labels, server-set times) are handled by {@link ResourceType}.
 */
public interface ResourceMapper<T extends SpecificRecord> {

  Class<T> recordClass();

  /** Top-level fields of the document beyond the common ones. */
  Set<String> specFields();

  /** Top-level Kuma fields that cannot be stored yet: rejected with a hint, not dropped. */
  Set<String> unsupportedKumaFields();

  /**
   * Reads and validates the type's own fields, adding every problem to {@code violations}.
   *
   * @return the record, or null when anything was violated
   */
  T read(JsonNode document, ResourceMetadata metadata, Violations violations);

  /** Writes the type's own fields into a document that already holds the common fields. */
  void write(T resource, ObjectNode document);

  String name(T resource);

  /** The mesh the resource belongs to; for a Mesh, its own name. */
  String mesh(T resource);

  java.util.Map<String, String> labels(T resource);
}
