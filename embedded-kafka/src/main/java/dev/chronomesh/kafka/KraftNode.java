package dev.chronomesh.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One KRaft node (broker and controller in one) on loopback; formats its log directory once. */
final class KraftNode {
  private static final Logger LOG = LoggerFactory.getLogger(KraftNode.class);

  private final int nodeId;
  private final Path logDir;
  private final Properties props;
  private KafkaRaftServer server;

  KraftNode(
      int nodeId,
      Path logDir,
      String host,
      int brokerPort,
      int controllerPort,
      String voters,
      int replication,
      Map<String, String> overrides) {
    this.nodeId = nodeId;
    this.logDir = logDir;
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(nodeId));
    p.put("controller.quorum.voters", voters);
    p.put(
        "listeners",
        "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", Integer.toString(replication));
    p.put("offsets.topic.replication.factor", Integer.toString(replication));
    p.put("offsets.topic.num.partitions", "4");
    p.put("transaction.state.log.replication.factor", Integer.toString(replication));
    p.put("transaction.state.log.min.isr", Integer.toString(Math.min(2, replication)));
    p.put("transaction.state.log.num.partitions", "4");
    p.put("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    p.put("log.flush.interval.messages", "1");
    overrides.forEach(p::put);
    this.props = p;
  }

  int nodeId() {
    return nodeId;
  }

  /** Formats the log directory unless it already holds a formatted node. */
  void formatIfNeeded(String clusterId) throws IOException {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      LOG.debug("Log directory already formatted node={} dir={}", nodeId, logDir);
      return;
    }
    Files.createDirectories(logDir);
    Path config = logDir.resolveSibling(logDir.getFileName() + ".format.properties");
    try (OutputStream out = Files.newOutputStream(config)) {
      props.store(out, "written by chronomesh to format the KRaft log directory");
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      rc =
          StorageTool.execute(
              new String[] {"format", "-t", clusterId, "-c", config.toString()}, ps);
    } finally {
      Files.deleteIfExists(config);
    }
    if (rc != 0) {
      throw new IOException(
          "formatting "
              + logDir
              + " failed ("
              + rc
              + "): "
              + output.toString(StandardCharsets.UTF_8));
    }
    LOG.info("Formatted KRaft log directory node={} dir={} cluster={}", nodeId, logDir, clusterId);
  }

  /** Starts the node; blocks until a controller quorum exists. */
  void startup() {
    server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    server.startup();
  }

  void shutdown() {
    KafkaRaftServer s = server;
    server = null;
    if (s != null) {
      s.shutdown();
      s.awaitShutdown();
    }
  }
}
