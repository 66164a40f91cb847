package dev.chronomesh.events.registry;

import java.time.Duration;
import java.util.List;

/**
 * The append-only, keyed log under a {@link KafkaSchemaRegistry}: one Kafka partition in production
 * ({@link KafkaRegistryLog}), a list in unit tests. Appends may come from any thread; {@link #poll}
 * and {@link #position} only from the registry's reader thread.
 */
interface RegistryLog extends AutoCloseable {

  /** One record: its offset, key and value (null value = tombstone), as raw bytes. */
  record Entry(long offset, byte[] key, byte[] value) {}

  /**
   * Appends a record durably and returns its offset.
   *
   * @throws SchemaRegistryException when it cannot be written in time
   */
  long append(String key, String value);

  /**
   * The offset the next appended record will get (the end of the log now).
   *
   * @throws SchemaRegistryException when it cannot be read in time
   */
  long endOffset();

  /** The next records, waiting at most {@code timeout}; empty when there are none. */
  List<Entry> poll(Duration timeout);

  /** The offset of the next record {@link #poll} will return. */
  long position();

  /** Makes a blocked or the next {@link #poll} return at once (from any thread). */
  void wakeup();

  @Override
  void close();
}
