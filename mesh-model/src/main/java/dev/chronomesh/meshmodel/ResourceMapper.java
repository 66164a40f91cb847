package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * Maps one resource type between its Kuma document (JSON/YAML tree) and its Avro record. The common
 * fields (type, name, mesh, labels, server-set times) are handled by {@link ResourceType}.
 */
public interface ResourceMapper<T extends SpecificRecord> {

  Class<T> recordClass();

  /** Whether {@code payload} is a record of this type (several types may share a record class). */
  default boolean accepts(Object payload) {
    return recordClass().isInstance(payload);
  }

  /** Top-level fields of the document beyond the common ones. */
  Set<String> specFields();

  /** Top-level Kuma fields that cannot be stored yet: rejected with a hint, not dropped. */
  Set<String> unsupportedKumaFields();

  /**
   * Whether documents of this type hold secret values: a {@link Sealer} is needed to store them,
   * and syntax errors are reported without quoting the input.
   */
  default boolean sensitive() {
    return false;
  }

  /**
   * Reads and validates the type's own fields, adding every problem to {@code violations}.
   *
   * @param sealer seals secret values; null when the caller has none, which is a bug for a {@link
   *     #sensitive} type once the document is valid (an {@link IllegalStateException})
   * @return the record, or null when anything was violated
   */
  T read(JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer);

  /**
   * Writes the type's own fields into a document that already holds the common fields.
   *
   * @param opener opens sealed values for a reader allowed to see them; null leaves them out
   */
  void write(T resource, ObjectNode document, Sealer opener);

  String name(T resource);

  /** The mesh the resource belongs to; for a Mesh, its own name. */
  String mesh(T resource);

  Map<String, String> labels(T resource);
}
