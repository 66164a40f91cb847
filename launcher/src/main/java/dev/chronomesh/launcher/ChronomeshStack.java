package dev.chronomesh.launcher;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.ca.ControlPlaneCa;
import dev.chronomesh.ca.MutualTls;
import dev.chronomesh.commandapi.XdsGatewayEndpoint;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.projector.ProjectorConfig;
import dev.chronomesh.xds.XdsGatewayOptions;
import dev.chronomesh.xds.hds.HealthChecks;
import dev.chronomesh.xds.lifecycle.DataplaneLifecycle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole system in one JVM on loopback: an embedded KRaft broker, the schema registry, the
 * projector, the xDS gateway, the REST API and the CA service. What {@code chronomesh up} runs, and
 * what the end-to-end tests start.
 */
public final class ChronomeshStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChronomeshStack.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  /** The admin token, written owner-only at first start. */
  public static final String ADMIN_TOKEN_FILE = "admin-token";

  /**
   * Settings of the embedded stack; port 0 picks a free port.
   *
   * @param xdsHttpPort the xDS gateway's /healthz, /readyz and /metrics port
   * @param requireDataplaneTokens whether the xDS gateway refuses ADS streams without a valid
   *     dataplane token for their node (as Kuma's dp-server in universal mode); the short
   *     constructor requires them ({@code up --no-dataplane-tokens} passes false)
   * @param xdsPlaintext serve the xDS port without TLS (development, loopback only: {@code up
   *     --xds-plaintext}); otherwise with a certificate of the control-plane CA
   */
  public record Settings(
      Path dataDir,
      String host,
      int apiPort,
      int xdsPort,
      int kafkaPort,
      int kafkaControllerPort,
      int partitions,
      Topics topics,
      Duration writeTimeout,
      int xdsHttpPort,
      boolean requireDataplaneTokens,
      int caPort,
      boolean xdsPlaintext) {
    /**
     * Settings with the default write timeout, the gateway's HTTP listener and the CA service on
     * free ports, dataplane tokens required, the xDS port plaintext (loopback tests).
     */
    public Settings(
        Path dataDir,
        String host,
        int apiPort,
        int xdsPort,
        int kafkaPort,
        int kafkaControllerPort,
        int partitions,
        Topics topics) {
      this(
          dataDir,
          host,
          apiPort,
          xdsPort,
          kafkaPort,
          kafkaControllerPort,
          partitions,
          topics,
          ServiceDefaults.WRITE_TIMEOUT,
          0,
          true,
          0,
          true);
    }

    public Settings {
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(topics, "topics");
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1");
      }
      Objects.requireNonNull(writeTimeout, "writeTimeout");
    }
  }

  /** The control-plane CA's directory under the data directory. */
  static final String CONTROL_PLANE_DIR = "control-plane";

  private static final String LOOPBACK = "127.0.0.1";

  private final Deque<AutoCloseable> started;
  private final EmbeddedKafka kafka;
  private final ServiceRunner.Running api;
  private final ServiceRunner.Running gateway;
  private final ServiceRunner.Running ca;
  private final Settings settings;
  private final Path controlPlaneCa;

  private ChronomeshStack(
      Deque<AutoCloseable> started,
      EmbeddedKafka kafka,
      ServiceRunner.Running api,
      ServiceRunner.Running gateway,
      ServiceRunner.Running ca,
      Settings settings,
      Path controlPlaneCa) {
    this.started = started;
    this.kafka = kafka;
    this.api = api;
    this.gateway = gateway;
    this.ca = ca;
    this.settings = settings;
    this.controlPlaneCa = controlPlaneCa;
  }

  /**
   * Starts everything and returns once every service reports ready.
   *
   * @throws StartRefusedException when the data directory is in use or a port is taken, naming the
   *     option that changes it; nothing is left running
   */
  public static ChronomeshStack start(Settings settings) {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    started.push(DataDirLock.acquire(settings.dataDir()));
    try {
      // Before anything starts: a taken port then stops `up` with one line and nothing half
      // started (the lock first, so a second `up` on the same directory is told so).
      PortCheck.requireFree(settings);
      EmbeddedKafka kafka =
          EmbeddedKafka.builder()
              .dataDir(settings.dataDir().resolve("kafka"))
              .brokerPort(settings.kafkaPort())
              .controllerPort(settings.kafkaControllerPort())
              .start();
      started.push(kafka);
      Map<String, Object> kafkaProperties = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(kafkaProperties, settings.topics(), settings.partitions(), (short) 1);
      Sealer sealer =
          new EnvelopeSealer(KeyEncryptionKey.loadOrCreate(settings.dataDir().resolve("kek")));
      // The control plane's own identity: the gateway's xDS port and the CA service serve with
      // certificates of this CA and authenticate each other with them (mTLS).
      ControlPlaneCa controlPlane =
          ControlPlaneCa.loadOrCreate(settings.dataDir().resolve(CONTROL_PLANE_DIR), Instant.now());
      Runnable issueComponents =
          () -> {
            controlPlane.issue("ca-service", List.of("localhost", LOOPBACK), Instant.now());
            controlPlane.issue(ControlPlaneCa.GATEWAY, hostNames(settings.host()), Instant.now());
          };
      issueComponents.run();
      ControlPlaneCa.Issued caIdentity = controlPlane.issued("ca-service");
      ControlPlaneCa.Issued gatewayIdentity = controlPlane.issued(ControlPlaneCa.GATEWAY);
      // Renewed while running; the components read their files again (ReloadingTls).
      ScheduledExecutorService renewal =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "control-plane-renewal");
                t.setDaemon(true);
                return t;
              });
      long every = ControlPlaneCa.COMPONENT_RENEWAL.toMillis();
      renewal.scheduleAtFixedRate(
          () -> {
            try {
              issueComponents.run();
              LOG.info("Issued the control-plane components new certificates");
            } catch (RuntimeException e) {
              LOG.warn("Could not renew the control-plane components' certificates", e);
            }
          },
          every,
          every,
          TimeUnit.MILLISECONDS);
      started.push(renewal::shutdownNow);
      KafkaSchemaRegistry registry =
          KafkaSchemaRegistry.start(kafkaProperties, settings.topics().schemas());
      started.push(registry);

      Map<String, Object> streamsProperties = new HashMap<>(kafkaProperties);
      // Static membership of the two Kafka Streams applications (projector, decider): after a
      // crash the restarted process takes over its partitions at once instead of waiting out the
      // dead member's session (45 s).
      streamsProperties.put("main.consumer.group.instance.id", "chronomesh-up");
      ServiceRunner.Running projector =
          ServiceRunner.start(
              settings(settings, "projector", streamsProperties, 0, sealer, null, null),
              registry,
              null);
      started.push(projector);
      ServiceRunner.Running ca =
          ServiceRunner.start(
              caSettings(
                  settings,
                  kafkaProperties,
                  sealer,
                  new MutualTls(
                      caIdentity.certificateChain(),
                      caIdentity.privateKey(),
                      controlPlane.certificateFile())),
              registry,
              null);
      started.push(ca);
      ServiceRunner.Running gateway =
          ServiceRunner.start(
              settings(
                  settings,
                  "xds-gateway",
                  settings.host(),
                  kafkaProperties,
                  settings.xdsPort(),
                  sealer,
                  null,
                  settings.xdsHttpPort(),
                  // Proxies with a dataplane token get their certificates through the gateway.
                  settings.requireDataplaneTokens() ? ca.address() : null,
                  gatewayIdentity,
                  controlPlane.certificateFile()),
              registry,
              null);
      started.push(gateway);
      // The API names this gateway in the grpc-xds bootstraps it generates.
      XdsGatewayEndpoint xdsGateway =
          new XdsGatewayEndpoint(
              dialable(gateway.address()),
              settings.xdsPlaintext() ? null : controlPlane.certificateFile().toAbsolutePath());
      ServiceRunner.Running api =
          ServiceRunner.start(
              settings(
                  settings,
                  "command-api",
                  streamsProperties,
                  settings.apiPort(),
                  sealer,
                  java.net.URI.create(projector.address()),
                  null),
              registry,
              registry,
              xdsGateway);
      started.push(api);

      for (ServiceRunner.Running service :
          new ServiceRunner.Running[] {api, gateway, projector, ca}) {
        await(service.service(), service.ready());
      }
      return new ChronomeshStack(
          started, kafka, api, gateway, ca, settings, controlPlane.certificateFile());
    } catch (RuntimeException e) {
      closeAll(started);
      // Everything is closed now, so a port still taken is another process's (it took the port
      // after the check).
      throw PortCheck.explain(e, settings);
    } catch (Error e) {
      closeAll(started);
      throw e;
    }
  }

  private static ServiceRunner.Settings settings(
      Settings s,
      String service,
      Map<String, Object> kafkaProperties,
      int port,
      Sealer sealer,
      java.net.URI projectorUrl,
      Integer httpPort) {
    return settings(
        s,
        service,
        s.host(),
        kafkaProperties,
        port,
        sealer,
        projectorUrl,
        httpPort,
        XdsGatewayOptions.DEFAULTS,
        null);
  }

  /**
   * The gateway: TLS on its xDS port with its control-plane certificate unless {@code
   * xdsPlaintext}, and mTLS with the same certificate to the CA service at {@code caTarget}.
   */
  private static ServiceRunner.Settings settings(
      Settings s,
      String service,
      String host,
      Map<String, Object> kafkaProperties,
      int port,
      Sealer sealer,
      java.net.URI projectorUrl,
      Integer httpPort,
      String caTarget,
      ControlPlaneCa.Issued identity,
      Path controlPlaneCa) {
    XdsGatewayOptions options =
        XdsGatewayOptions.DEFAULTS
            .withRequireDataplaneTokens(s.requireDataplaneTokens())
            .withCaTarget(caTarget)
            .withCaTls(
                caTarget == null
                    ? null
                    : new MutualTls(
                        identity.certificateChain(), identity.privateKey(), controlPlaneCa));
    if (!s.xdsPlaintext()) {
      options = options.withTls(identity.certificateChain(), identity.privateKey());
    }
    // kuma-dp's POST /bootstrap on the xDS port, as kuma-cp serves it on 5678.
    options = options.withKumaDpBootstrap(true, s.xdsPlaintext() ? null : controlPlaneCa);
    // Kuma's dataplane lifecycle: kuma-dp's --dataplane-file registers, a proxy gone deregisters.
    options = options.withLifecycle(DataplaneLifecycle.Settings.KUMA_DEFAULTS);
    // kuma-dp's Envoys health-check the inbounds' serviceProbes over HDS, as on kuma-cp.
    options = options.withHds(HealthChecks.Settings.KUMA_DEFAULTS);
    return settings(
        s, service, host, kafkaProperties, port, sealer, projectorUrl, httpPort, options, null);
  }

  private static ServiceRunner.Settings settings(
      Settings s,
      String service,
      String host,
      Map<String, Object> kafkaProperties,
      int port,
      Sealer sealer,
      java.net.URI projectorUrl,
      Integer httpPort,
      XdsGatewayOptions gatewayOptions,
      MutualTls caTls) {
    return new ServiceRunner.Settings(
        service,
        kafkaProperties,
        s.topics(),
        null,
        host,
        port,
        s.partitions(),
        (short) 1,
        s.dataDir(),
        ProjectorConfig.DEFAULT_APPLICATION_ID,
        sealer,
        s.dataDir().resolve(ADMIN_TOKEN_FILE),
        s.writeTimeout(),
        projectorUrl,
        httpPort,
        gatewayOptions.withRequireDataplaneTokens(s.requireDataplaneTokens()),
        null,
        caTls);
  }

  /**
   * {@code host:port} as a workload on this machine dials it: a wildcard listen address becomes
   * loopback, which the gateway's certificate also names.
   */
  static String dialable(String address) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.isEmpty()
        ? LOOPBACK + address.substring(colon)
        : address;
  }

  /**
   * The CA service listens on loopback, next to the gateway it serves, and requires its callers'
   * certificates of the control-plane CA (mTLS).
   */
  private static ServiceRunner.Settings caSettings(
      Settings s, Map<String, Object> kafkaProperties, Sealer sealer, MutualTls tls) {
    return settings(
        s,
        "ca-service",
        LOOPBACK,
        kafkaProperties,
        s.caPort(),
        sealer,
        null,
        null,
        XdsGatewayOptions.DEFAULTS,
        tls);
  }

  /** The names the gateway's certificate carries: {@code host}, localhost and 127.0.0.1. */
  private static List<String> hostNames(String host) {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    names.add("localhost");
    names.add(LOOPBACK);
    if (!host.isEmpty() && !host.equals("0.0.0.0") && !host.equals("::")) {
      names.add(host);
    }
    return List.copyOf(names);
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

  /** http://host:port of the REST API. */
  public String apiUrl() {
    return api.address();
  }

  /** http://host:port of the xDS gateway's /healthz, /readyz and /metrics. */
  public String xdsHttpUrl() {
    return gateway.httpAddress();
  }

  /** host:port (loopback) of the CA service's gRPC port. */
  public String caAddress() {
    return ca.address();
  }

  /** host:port of the xDS gateway. */
  public String xdsAddress() {
    return gateway.address();
  }

  /** The admin token created at first start, for tools and tests on this machine. */
  public String adminToken() {
    try {
      return Files.readString(settings.dataDir().resolve(ADMIN_TOKEN_FILE)).trim();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("no admin token in " + settings.dataDir(), e);
    }
  }

  public Path dataDir() {
    return settings.dataDir();
  }

  /**
   * The control-plane CA's certificate (PEM): what proxies and agents verify the gateway's xDS port
   * against, and what gateway and CA service verify each other with.
   */
  public Path controlPlaneCa() {
    return controlPlaneCa;
  }

  /** Whether the xDS port is TLS (else plaintext on loopback, for development). */
  public boolean xdsTls() {
    return !settings.xdsPlaintext();
  }

  /** Whether the xDS gateway refuses ADS streams without a valid dataplane token. */
  public boolean requiresDataplaneTokens() {
    return settings.requireDataplaneTokens();
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
