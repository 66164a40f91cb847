package dev.chronomesh.launcher;

import dev.chronomesh.commandapi.CommandApiConfig;
import dev.chronomesh.commandapi.CommandApiServer;
import dev.chronomesh.commandapi.registry.SchemaRegistryRoutes;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import dev.chronomesh.projector.Projector;
import dev.chronomesh.projector.ProjectorConfig;
import dev.chronomesh.xds.XdsGateway;
import dev.chronomesh.xds.XdsGatewayConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole system in one JVM on loopback: an embedded KRaft broker, the schema registry, the
 * projector, the xDS gateway and the REST API. What {@code chronomesh up} runs, and what the
 * end-to-end tests start.
 */
public final class ChronomeshStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChronomeshStack.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  /** Settings of the embedded stack; port 0 picks a free port. */
  public record Settings(
      Path dataDir,
      String host,
      int apiPort,
      int xdsPort,
      int kafkaPort,
      int kafkaControllerPort,
      int partitions,
      Topics topics) {
    public Settings {
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(topics, "topics");
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1");
      }
    }

    /** Kuma's ports for the API (5681) and xDS (5678), the broker on 19092/19093. */
    public static Settings defaults(Path dataDir) {
      return new Settings(
          dataDir,
          "127.0.0.1",
          CommandApiConfig.DEFAULT_PORT,
          XdsGatewayConfig.DEFAULT_PORT,
          19092,
          19093,
          3,
          Topics.defaults());
    }
  }

  private final Deque<AutoCloseable> started;
  private final EmbeddedKafka kafka;
  private final CommandApiServer api;
  private final XdsGateway gateway;
  private final Settings settings;

  private ChronomeshStack(
      Deque<AutoCloseable> started,
      EmbeddedKafka kafka,
      CommandApiServer api,
      XdsGateway gateway,
      Settings settings) {
    this.started = started;
    this.kafka = kafka;
    this.api = api;
    this.gateway = gateway;
    this.settings = settings;
  }

  /** Starts everything and returns once the API and the gateway report ready. */
  public static ChronomeshStack start(Settings settings) {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      EmbeddedKafka kafka =
          EmbeddedKafka.builder()
              .dataDir(settings.dataDir().resolve("kafka"))
              .brokerPort(settings.kafkaPort())
              .controllerPort(settings.kafkaControllerPort())
              .start();
      started.push(kafka);
      Map<String, Object> kafkaProperties = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(kafkaProperties, settings.topics(), settings.partitions(), (short) 1);

      KafkaSchemaRegistry registry =
          KafkaSchemaRegistry.start(kafkaProperties, settings.topics().schemas());
      started.push(registry);

      Map<String, Object> projectorProperties = new HashMap<>(kafkaProperties);
      // Static membership: after a crash the restarted instance takes over its partitions at
      // once instead of waiting for the dead member's session to expire.
      projectorProperties.put("main.consumer.group.instance.id", "chronomesh-up-projector");
      Projector projector =
          Projector.start(
              new ProjectorConfig(
                  projectorProperties,
                  settings.topics(),
                  registry,
                  ProjectorConfig.DEFAULT_APPLICATION_ID,
                  settings.dataDir().resolve("streams")));
      started.push(projector);

      XdsGateway gateway =
          XdsGateway.start(
              new XdsGatewayConfig(
                  settings.host(),
                  settings.xdsPort(),
                  kafkaProperties,
                  settings.topics(),
                  registry));
      started.push(gateway);

      CommandApiServer api =
          CommandApiServer.start(
              new CommandApiConfig(
                  settings.host(),
                  settings.apiPort(),
                  kafkaProperties,
                  settings.topics(),
                  registry,
                  ServiceDefaults.MAX_BODY_BYTES,
                  ServiceDefaults.WRITE_TIMEOUT));
      started.push(api);
      SchemaRegistryRoutes.mount(api.app(), registry);

      await("REST API", api::isReady);
      await("xDS gateway", gateway::isReady);
      await("projector", projector::isRunning);
      return new ChronomeshStack(started, kafka, api, gateway, settings);
    } catch (RuntimeException | Error e) {
      closeAll(started);
      throw e;
    }
  }

  static void await(String what, BooleanSupplier ready) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!ready.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " not ready within " + READY_TIMEOUT);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
    LOG.info("Ready component={}", what);
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public int apiPort() {
    return api.port();
  }

  public int xdsPort() {
    return gateway.port();
  }

  public String apiUrl() {
    return "http://" + settings.host() + ":" + api.port();
  }

  public String xdsAddress() {
    return settings.host() + ":" + gateway.port();
  }

  public Path dataDir() {
    return settings.dataDir();
  }

  /** Stops every component, newest first. */
  @Override
  public void close() {
    closeAll(started);
  }

  private static void closeAll(Deque<AutoCloseable> started) {
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Error while stopping component={}", c.getClass().getSimpleName(), e);
      }
    }
  }
}
