package dev.chronomesh.events.registry;

import org.apache.avro.Schema;

/**
 * The part of a Confluent-compatible schema registry that serializers need: register a schema under
 * a subject (getting its global id), fetch a schema by id, and check compatibility. Implementations
 * cache; every method may be called from many threads.
 */
public interface SchemaRegistry {

  /**
   * Registers {@code schema} under {@code subject} (a no-op returning the existing id when already
   * registered there).
   *
   * @throws SchemaRegistryException when the schema is incompatible with the subject's versions
   *     under its compatibility level, or the registry cannot be reached
   */
  int register(String subject, Schema schema);

  /**
   * The schema with this global id.
   *
   * @throws SchemaRegistryException when no schema has this id
   */
  Schema schemaById(int id);

  /** Whether {@code schema} may be registered under {@code subject} now. */
  boolean isCompatible(String subject, Schema schema);
}
