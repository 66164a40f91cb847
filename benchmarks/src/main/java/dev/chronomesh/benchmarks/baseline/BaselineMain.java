package dev.chronomesh.benchmarks.baseline;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.ConfluentSchemaRegistryClient;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the {@link BaselineControlPlane} as a process of its own. Prints {@code BASELINE_READY
 * port=<port>} on stdout once it has read the events topic up to the end offsets seen at start and
 * serves; stops cleanly on SIGTERM. Exits 1 when it cannot start or stops reading.
 */
@Command(
    name = "baseline",
    mixinStandardHelpOptions = true,
    description =
        "The conventional control plane the benchmarks compare Chronomesh with: full"
            + " regeneration of every proxy of a mesh per change, one SimpleCache snapshot per"
            + " proxy, ADS (SotW and delta) in plaintext on loopback.")
public final class BaselineMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(BaselineMain.class);

  @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(
      names = "--topic-prefix",
      defaultValue = Topics.DEFAULT_PREFIX,
      description = "Prefix of Chronomesh's topics (default ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(
      names = "--events-topic",
      description = "The events topic (default: <topic-prefix>events).")
  String eventsTopic;

  @Option(
      names = "--schema-registry-url",
      description =
          "A Confluent-compatible schema registry; default: the Kafka-backed registry on"
              + " <topic-prefix>schemas, as the launcher uses.")
  URI schemaRegistryUrl;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Loopback address to bind (default ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "0",
      description = "ADS port, 0 for a free one (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--http-port",
      description = "Port of /healthz, /readyz and /metrics (default: no HTTP listener).")
  Integer httpPort;

  @Option(
      names = "--kafka-property",
      description = "An extra Kafka client setting key=value (repeatable).")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();

  public static void main(String[] args) {
    int code = new CommandLine(new BaselineMain()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    Topics topics = new Topics(topicPrefix);
    Map<String, Object> kafka = new HashMap<>(kafkaProperties);
    kafka.put("bootstrap.servers", bootstrapServers);
    String events = eventsTopic != null ? eventsTopic : topics.events();
    KafkaSchemaRegistry owned = null;
    SchemaRegistry registry;
    if (schemaRegistryUrl != null) {
      registry = new ConfluentSchemaRegistryClient(schemaRegistryUrl);
    } else {
      owned = KafkaSchemaRegistry.start(kafka, topics.schemas());
      registry = owned;
    }
    BaselineControlPlane plane;
    try {
      plane =
          BaselineControlPlane.start(
              new BaselineConfig(host, port, kafka, events, registry, httpPort));
    } catch (RuntimeException e) {
      if (owned != null) {
        owned.close();
      }
      throw e;
    }
    KafkaSchemaRegistry toClose = owned;
    Thread hook =
        new Thread(
            () -> {
              plane.close();
              if (toClose != null) {
                toClose.close();
              }
            },
            "baseline-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    while (!plane.awaitReady(Duration.ofSeconds(30))) {
      if (plane.isStopped()) {
        LOG.error("The baseline stopped before it was ready");
        return 1;
      }
      LOG.info("Waiting for the baseline to catch up with topic={}", events);
    }
    if (plane.httpPort() >= 0) {
      LOG.info("Baseline HTTP listener port={}", plane.httpPort());
    }
    System.out.println("BASELINE_READY port=" + plane.port());
    System.out.flush();
    if (plane.awaitStopped()) {
      LOG.error("The baseline stopped reading the events topic; exiting");
      return 1;
    }
    return 0;
  }
}
