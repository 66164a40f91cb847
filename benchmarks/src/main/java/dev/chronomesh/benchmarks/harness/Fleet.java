package dev.chronomesh.benchmarks.harness;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code P} simulated Envoys of the benchmark mesh on one control plane (half state of the world,
 * half delta), over a few shared gRPC connections. Every acknowledgement goes to the current {@link
 * Probe}, if any.
 */
final class Fleet implements AutoCloseable {
  /** The gRPC connections the proxies share, unless the harness is told otherwise. */
  static final int DEFAULT_CONNECTIONS = 8;

  private final List<SimEnvoy> proxies;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private volatile Probe probe;

  Fleet(BenchMesh mesh, int count, String target, int connections) {
    for (int i = 0; i < Math.min(Math.max(1, connections), count); i++) {
      channels.add(
          Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
              .maxInboundMessageSize(64 << 20)
              .build());
    }
    List<SimEnvoy> list = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      SimEnvoy p = new SimEnvoy(mesh.nodeId(k), k % 2 == 1, this::acked);
      list.add(p);
    }
    this.proxies = Collections.unmodifiableList(list);
  }

  List<SimEnvoy> proxies() {
    return proxies;
  }

  /** Opens every proxy's stream, as at once as one thread can. */
  void connectAll() {
    for (int k = 0; k < proxies.size(); k++) {
      proxies.get(k).connect(channels.get(k % channels.size()));
    }
  }

  /** Every proxy drops its stream and opens a new one with nothing known (a restart). */
  void reconnectAll() {
    proxies.forEach(SimEnvoy::disconnect);
    connectAll();
  }

  long completed() {
    return proxies.stream().filter(SimEnvoy::isComplete).count();
  }

  long failed() {
    return proxies.stream().filter(SimEnvoy::failed).count();
  }

  /** Responses received by every proxy so far. */
  long responses() {
    long n = 0;
    for (SimEnvoy p : proxies) {
      n += p.responses();
    }
    return n;
  }

  /**
   * Waits until every proxy holds a complete config; false on timeout. Prints progress every
   * second.
   */
  boolean awaitComplete(Duration timeout, String what, Progress progress)
      throws InterruptedException {
    return awaitAll(SimEnvoy::isComplete, timeout, what, progress);
  }

  /**
   * Waits until {@code condition} holds for every proxy; false on timeout. Only proxies for which
   * it has not held yet are checked again (a condition, once met, is taken to stay met): checking
   * all 10,000 every 5 ms cost the harness a sizeable share of a core while it measured.
   */
  boolean awaitAll(Predicate<SimEnvoy> condition, Duration timeout, String what, Progress progress)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastPrint = 0;
    List<SimEnvoy> pending = new ArrayList<>(proxies);
    while (true) {
      pending.removeIf(condition);
      if (pending.isEmpty()) {
        return true;
      }
      long now = System.nanoTime();
      if (now - lastPrint > TimeUnit.SECONDS.toNanos(1)) {
        progress.status(what + ": " + (proxies.size() - pending.size()) + "/" + proxies.size());
        lastPrint = now;
      }
      if (now > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
  }

  /** Waits until no proxy received anything for {@code quiet} (at most {@code max}). */
  void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    long last = responses();
    long since = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(10);
      long now = responses();
      if (now != last) {
        last = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quiet.toNanos()) {
        return;
      }
    }
  }

  void setProbe(Probe probe) {
    this.probe = probe;
  }

  private void acked(SimEnvoy proxy, String typeUrl, long atNanos) {
    Probe p = probe;
    if (p != null) {
      p.acked(proxy, atNanos);
    }
  }

  @Override
  public void close() {
    proxies.forEach(SimEnvoy::disconnect);
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
