package dev.chronomesh.events.registry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RegistryLog} held in memory for unit tests: one shared list of records (the "partition")
 * and a read position per instance, so several registries can share one log like several processes
 * share one topic.
 */
final class InMemoryRegistryLog implements RegistryLog {
  private final Shared shared;
  private long position;
  private boolean wakeup;

  InMemoryRegistryLog() {
    this(new Shared());
  }

  private InMemoryRegistryLog(Shared shared) {
    this.shared = shared;
  }

  /** Another reader/writer of the same records. */
  InMemoryRegistryLog sharing() {
    return new InMemoryRegistryLog(shared);
  }

  /** Appends raw bytes, e.g. a malformed record. */
  long appendRaw(byte[] key, byte[] value) {
    synchronized (shared) {
      long offset = shared.records.size();
      shared.records.add(new Entry(offset, key, value));
      shared.notifyAll();
      return offset;
    }
  }

  /** The number of records in the log. */
  int size() {
    synchronized (shared) {
      return shared.records.size();
    }
  }

  @Override
  public long append(String key, String value) {
    return appendRaw(
        key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public long endOffset() {
    return size();
  }

  @Override
  public List<Entry> poll(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (shared) {
      while (position >= shared.records.size() && !wakeup) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return List.of();
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(shared, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return List.of();
        }
      }
      wakeup = false;
      List<Entry> out =
          new ArrayList<>(shared.records.subList((int) position, shared.records.size()));
      position = shared.records.size();
      return out;
    }
  }

  @Override
  public long position() {
    synchronized (shared) {
      return position;
    }
  }

  @Override
  public void wakeup() {
    synchronized (shared) {
      wakeup = true;
      shared.notifyAll();
    }
  }

  @Override
  public void close() {}

  private static final class Shared {
    final List<Entry> records = new ArrayList<>();
  }
}
