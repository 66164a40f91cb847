package dev.chronomesh.benchmarks.harness;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.events.Topics;
import dev.chronomesh.kafka.EmbeddedKafka;
import dev.chronomesh.launcher.ServiceRunner;
import dev.chronomesh.projector.ProjectorConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The write path the harness drives: a Kafka broker (embedded, or an existing cluster), the admin
 * API and the projector, in the harness's JVM. The control planes under test (xDS gateway,
 * baseline) run in JVMs of their own.
 */
final class Stack implements AutoCloseable {
  private final EmbeddedKafka kafka;
  private final String bootstrapServers;
  private final Topics topics;
  private final Path dataDir;
  private final int replication;
  private final EnvelopeSealer sealer = new EnvelopeSealer(EnvelopeSealer.newKek());
  private ServiceRunner.Running api;
  private ServiceRunner.Running projector;
  private String adminToken;

  private Stack(EmbeddedKafka kafka, String bootstrapServers, Topics topics, Path dataDir, int rf) {
    this.kafka = kafka;
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.dataDir = dataDir;
    this.replication = rf;
  }

  /**
   * Starts the broker (unless {@code bootstrapServers} is given), the projector and the admin API,
   * and waits until both are ready.
   */
  static Stack start(String bootstrapServers, int replication, Path dataDir, Progress progress)
      throws Exception {
    Files.createDirectories(dataDir);
    EmbeddedKafka kafka = null;
    Topics topics;
    if (bootstrapServers == null) {
      progress.status("starting an embedded Kafka broker");
      kafka = EmbeddedKafka.builder().deleteOnClose(true).start();
      bootstrapServers = kafka.bootstrapServers();
      topics = new Topics("chronomesh.");
    } else {
      // Fresh topics on a shared cluster, so earlier runs do not count.
      topics = new Topics("bench-" + System.currentTimeMillis() + ".");
    }
    Stack stack = new Stack(kafka, bootstrapServers, topics, dataDir, replication);
    try {
      progress.status("starting the projector and the admin API (topics " + topics.prefix() + "*)");
      stack.projector = stack.run("projector", "projector", null);
      stack.api = stack.run("command-api", "command-api", URI.create(stack.projector.address()));
      awaitReady(stack.projector.ready(), "projector");
      awaitReady(stack.api.ready(), "command-api");
      stack.adminToken = Files.readString(dataDir.resolve("command-api/admin-token")).trim();
      return stack;
    } catch (Exception | Error e) {
      stack.close();
      throw e;
    }
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  Topics topics() {
    return topics;
  }

  int replication() {
    return replication;
  }

  Path dataDir() {
    return dataDir;
  }

  Map<String, Object> kafkaProperties() {
    return Map.of("bootstrap.servers", bootstrapServers);
  }

  ApiClient api() {
    return new ApiClient(api.address(), adminToken);
  }

  /** Stops the projector (while the baseline runs, the projector has nothing to do with it). */
  void stopProjector() throws Exception {
    if (projector != null) {
      projector.stop().close();
      projector = null;
    }
  }

  /**
   * Starts a projector of its own application id (a fresh consumer group and state) on {@code
   * replayTopics}, reading their events topic from the beginning; the caller stops it.
   */
  ServiceRunner.Running startReplayProjector(
      String applicationId,
      Topics replayTopics,
      Map<String, Object> overrides,
      java.time.Duration catchUpLag) {
    Map<String, Object> props = new java.util.HashMap<>(kafkaProperties());
    props.putAll(overrides);
    return ServiceRunner.start(
        settings("projector", applicationId, applicationId, null, replayTopics, props, catchUpLag));
  }

  private ServiceRunner.Running run(String service, String dir, URI projectorUrl) {
    return ServiceRunner.start(
        settings(
            service,
            dir,
            ProjectorConfig.DEFAULT_APPLICATION_ID,
            projectorUrl,
            topics,
            kafkaProperties(),
            null));
  }

  private ServiceRunner.Settings settings(
      String service,
      String dir,
      String applicationId,
      URI projectorUrl,
      Topics topics,
      Map<String, Object> props,
      java.time.Duration catchUpLag) {
    Path d = dataDir.resolve(dir);
    return new ServiceRunner.Settings(
        service,
        props,
        topics,
        null,
        "127.0.0.1",
        0,
        3,
        (short) replication,
        d,
        applicationId,
        sealer,
        d.resolve("admin-token"),
        null,
        projectorUrl,
        null,
        null,
        catchUpLag,
        null);
  }

  private static void awaitReady(BooleanSupplier ready, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (!ready.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " not ready within 120 s");
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (ServiceRunner.Running r : new ServiceRunner.Running[] {api, projector}) {
      if (r != null) {
        try {
          r.stop().close();
        } catch (Exception e) {
          first = first == null ? e : first;
        }
      }
    }
    if (kafka != null) {
      kafka.close();
    }
    if (first != null) {
      throw first;
    }
  }

  static void deleteQuietly(Path p) throws IOException {
    if (Files.exists(p)) {
      try (var paths = Files.walk(p)) {
        for (Path x : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(x);
        }
      }
    }
  }
}
