package dev.chronomesh.benchmarks.harness;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One change's convergence: the proxies it must reach and what each must hold afterwards. Each
 * affected proxy is checked after every acknowledgement it sends; the first time the condition
 * holds, that acknowledgement's time is its convergence time.
 */
final class Probe {
  private final Set<String> affected;
  private final Predicate<SimEnvoy> condition;
  private final Map<String, Long> reachedAt = new ConcurrentHashMap<>();
  private final CountDownLatch remaining;

  Probe(Set<String> affected, Predicate<SimEnvoy> condition) {
    this.affected = Set.copyOf(affected);
    this.condition = condition;
    this.remaining = new CountDownLatch(this.affected.size());
  }

  int affected() {
    return affected.size();
  }

  void acked(SimEnvoy proxy, long atNanos) {
    String node = proxy.nodeId();
    if (!affected.contains(node) || reachedAt.containsKey(node) || !condition.test(proxy)) {
      return;
    }
    if (reachedAt.putIfAbsent(node, atNanos) == null) {
      remaining.countDown();
    }
  }

  /** Waits for every affected proxy; false on timeout. */
  boolean await(Duration timeout) throws InterruptedException {
    return remaining.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  long reached() {
    return reachedAt.size();
  }

  /** When the last affected proxy acknowledged (System.nanoTime()), or -1 if none did. */
  long lastNanos() {
    return reachedAt.values().stream().mapToLong(Long::longValue).max().orElse(-1);
  }

  /** When the first affected proxy acknowledged (System.nanoTime()), or -1 if none did. */
  long firstNanos() {
    return reachedAt.values().stream().mapToLong(Long::longValue).min().orElse(-1);
  }

  Iterable<Long> times() {
    return reachedAt.values();
  }
}
