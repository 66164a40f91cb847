package dev.chronomesh.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka cluster of one or more KRaft nodes on loopback, started in this JVM from Kafka's
 * Maven artifacts. One node is the embedded default of {@code chronomesh up}; three nodes are the
 * test harness for replication. Log directories are formatted once and kept unless the cluster was
 * built with {@link Builder#deleteOnClose(boolean)}.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final String HOST = "127.0.0.1";

  private final List<KraftNode> nodes;
  private final String bootstrapServers;
  private final Path dataDir;
  private final boolean deleteOnClose;

  private EmbeddedKafka(
      List<KraftNode> nodes, String bootstrapServers, Path dataDir, boolean deleteOnClose) {
    this.nodes = nodes;
    this.bootstrapServers = bootstrapServers;
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** host:port of every node, comma separated. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  public int size() {
    return nodes.size();
  }

  /** Stops every node (in parallel: each waits for the quorum while it shuts down). */
  @Override
  public void close() {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (KraftNode node : nodes) {
      stops.add(CompletableFuture.runAsync(node::shutdown));
    }
    stops.forEach(CompletableFuture::join);
    LOG.info("Stopped Kafka nodes={} bootstrap={}", nodes.size(), bootstrapServers);
    if (deleteOnClose) {
      deleteRecursively(dataDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      LOG.warn("Could not delete dir={}", dir, e);
    }
  }

  /** Waits until every broker is registered and unfenced, as seen by a client. */
  private static void awaitBrokers(String bootstrap, int count) {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"))) {
      while (true) {
        try {
          int seen = admin.describeCluster().nodes().get().size();
          if (seen >= count) {
            return;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          LOG.debug("Cluster not ready yet bootstrap={}: {}", bootstrap, e.getCause().toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Kafka brokers not ready within 60s: " + bootstrap);
        }
        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
      }
    }
  }

  /** Settings of an embedded cluster. */
  public static final class Builder {
    private Path dataDir;
    private int nodeCount = 1;
    private int brokerPort;
    private int controllerPort;
    private boolean deleteOnClose;
    private Map<String, String> config = Map.of();

    private Builder() {}

    /** Where the log directories live (one subdirectory per node). Default: a new temp dir. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir);
      return this;
    }

    /** 1 (the default) or 3 for a replicated test cluster. */
    public Builder nodes(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("nodes must be at least 1: " + count);
      }
      this.nodeCount = count;
      return this;
    }

    /** The first node's client port; 0 (the default) picks free ports. */
    public Builder brokerPort(int port) {
      this.brokerPort = port;
      return this;
    }

    /** The first node's controller port; 0 (the default) picks free ports. */
    public Builder controllerPort(int port) {
      this.controllerPort = port;
      return this;
    }

    /** Remove the data directory on close (tests). */
    public Builder deleteOnClose(boolean delete) {
      this.deleteOnClose = delete;
      return this;
    }

    /** Extra broker properties, applied last. */
    public Builder config(Map<String, String> config) {
      this.config = Map.copyOf(config);
      return this;
    }

    /** Formats (when needed) and starts every node; returns once all accept clients. */
    public EmbeddedKafka start() {
      Path dir = dataDir;
      try {
        if (dir == null) {
          dir = Files.createTempDirectory("chronomesh-kafka");
          deleteOnClose = true;
        }
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      int[] brokerPorts = new int[nodeCount];
      int[] controllerPorts = new int[nodeCount];
      for (int i = 0; i < nodeCount; i++) {
        brokerPorts[i] = i == 0 && brokerPort > 0 ? brokerPort : FreePorts.next();
        controllerPorts[i] = i == 0 && controllerPort > 0 ? controllerPort : FreePorts.next();
      }
      StringBuilder voters = new StringBuilder();
      for (int i = 0; i < nodeCount; i++) {
        voters.append(i == 0 ? "" : ",").append(i + 1).append('@').append(HOST).append(':');
        voters.append(controllerPorts[i]);
      }
      int replication = Math.min(3, nodeCount);
      List<KraftNode> nodes = new ArrayList<>();
      for (int i = 0; i < nodeCount; i++) {
        nodes.add(
            new KraftNode(
                i + 1,
                dir.resolve("node-" + (i + 1)),
                HOST,
                brokerPorts[i],
                controllerPorts[i],
                voters.toString(),
                replication,
                config));
      }
      String clusterId = Uuid.randomUuid().toString();
      try {
        for (KraftNode node : nodes) {
          node.formatIfNeeded(clusterId);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      // Each node blocks in startup() until a quorum exists, so they must start together.
      List<CompletableFuture<Void>> starts = new ArrayList<>();
      for (KraftNode node : nodes) {
        starts.add(CompletableFuture.runAsync(node::startup));
      }
      try {
        starts.forEach(CompletableFuture::join);
      } catch (RuntimeException e) {
        nodes.forEach(KraftNode::shutdown);
        throw new IllegalStateException("embedded Kafka did not start", e);
      }
      String bootstrap =
          java.util.Arrays.stream(brokerPorts)
              .mapToObj(p -> HOST + ":" + p)
              .collect(Collectors.joining(","));
      EmbeddedKafka kafka = new EmbeddedKafka(List.copyOf(nodes), bootstrap, dir, deleteOnClose);
      try {
        awaitBrokers(bootstrap, nodeCount);
      } catch (RuntimeException e) {
        kafka.close();
        throw e;
      }
      LOG.info("Started Kafka nodes={} bootstrap={} dataDir={}", nodeCount, bootstrap, dir);
      return kafka;
    }
  }
}
