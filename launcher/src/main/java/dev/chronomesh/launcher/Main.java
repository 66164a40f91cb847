package dev.chronomesh.launcher;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.auth.KumaDuration;
import dev.chronomesh.ca.MutualTls;
import dev.chronomesh.events.Topics;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.projector.ProjectorConfig;
import dev.chronomesh.xds.XdsGatewayOptions;
import dev.chronomesh.xds.hds.HealthChecks;
import dev.chronomesh.xds.lifecycle.DataplaneLifecycle;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code chronomesh} command: {@code up} (everything, embedded broker) or {@code run}. */
@Command(
    name = "chronomesh",
    mixinStandardHelpOptions = true,
    version = "chronomesh 0.1.0-SNAPSHOT",
    description = "An event-sourced service-mesh control plane on Apache Kafka.",
    subcommands = {Main.Up.class, Main.Run.class, Main.Agent.class})
public final class Main implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  public static void main(String[] args) {
    int code =
        new CommandLine(new Main())
            .setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                  if (e instanceof StartRefusedException refused) {
                    // Something the operator fixes, and the message names the fix: one line.
                    LOG.debug("Start refused", refused);
                    cmd.getErr().println("chronomesh: " + refused.getMessage());
                    return 1;
                  }
                  // The stack trace helps a bug report; the last line says what went wrong.
                  e.printStackTrace(cmd.getErr());
                  cmd.getErr().println("chronomesh: " + rootMessage(e));
                  return 1;
                })
            .execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String top = e.getMessage() == null ? e.toString() : e.getMessage();
    return root == e || root.getMessage() == null ? top : top + ": " + root.getMessage();
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM); then closes the resource. */
  static void runUntilStopped(AutoCloseable resource, PrintStream out) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              out.println("Stopping Chronomesh...");
              try {
                resource.close();
              } catch (Exception e) {
                e.printStackTrace(out);
              }
              stopped.countDown();
            },
            "chronomesh-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
  }

  @Command(
      name = "dp-agent",
      mixinStandardHelpOptions = true,
      description =
          "Keep a proxyless gRPC workload's certificate fresh: a key made here, a CSR signed"
              + " through the xDS gateway with the dataplane token, key.pem, cert.pem and ca.pem"
              + " written for grpc-xds's file_watcher certificate provider, renewed at 4/5 of"
              + " the lifetime.")
  static final class Agent implements Callable<Integer> {
    @Option(
        names = "--xds-address",
        defaultValue = "127.0.0.1:5678",
        description = "The xDS gateway, host:port.")
    String xdsAddress;

    @Option(names = "--mesh", defaultValue = "default", description = "The dataplane's mesh.")
    String mesh;

    @Option(names = "--name", required = true, description = "The dataplane's name.")
    String name;

    @Option(
        names = "--token-file",
        required = true,
        description = "The dataplane token (chronoctl generate dataplane-token).")
    Path tokenFile;

    @Option(
        names = "--dir",
        required = true,
        description = "Where key.pem (owner-only), cert.pem and ca.pem are written.")
    Path dir;

    @Option(
        names = "--gateway-ca",
        description = "PEM certificate(s) that verify the gateway's TLS certificate.")
    Path gatewayCa;

    @Option(
        names = "--plaintext",
        description = "Talk to the gateway without TLS (only to a loopback address; development).")
    boolean plaintext;

    @Option(
        names = "--bundle-refresh",
        defaultValue = "10s",
        converter = DurationConverter.class,
        description = "How often the mesh's trust bundle is fetched between renewals (10s).")
    java.time.Duration bundleRefresh;

    @Option(names = "--once", description = "Write the files once and exit.")
    boolean once;

    @Option(
        names = "--bootstrap",
        description =
            "Also write the workload's grpc-xds bootstrap (GRPC_XDS_BOOTSTRAP) here: this"
                + " gateway, node id <mesh>.<name>, the token's credentials type, the"
                + " certificate provider over --dir and the xDS server listener template.")
    Path bootstrap;

    @Override
    public Integer call() throws Exception {
      io.grpc.ManagedChannel channel = channel();
      try {
        dev.chronomesh.launcher.agent.DpAgent agent =
            new dev.chronomesh.launcher.agent.DpAgent(
                channel, mesh, name, tokenFile, dir, bundleRefresh, java.time.Clock.systemUTC());
        if (bootstrap != null) {
          java.nio.file.Files.writeString(
              bootstrap,
              dev.chronomesh.events.ProxylessBootstrap.toJson(
                  dev.chronomesh.events.ProxylessBootstrap.of(
                      xdsAddress,
                      mesh,
                      name,
                      dev.chronomesh.events.ProxylessBootstrap.Credentials.dataplaneToken(
                          tokenFile.toAbsolutePath(),
                          gatewayCa == null ? null : gatewayCa.toAbsolutePath()),
                      dir.toAbsolutePath())));
        }
        if (once) {
          agent.renewOnce();
        } else {
          agent.run();
        }
        return 0;
      } finally {
        channel.shutdownNow();
      }
    }

    private io.grpc.ManagedChannel channel() throws java.io.IOException {
      if (plaintext) {
        String host = xdsAddress.substring(0, Math.max(0, xdsAddress.lastIndexOf(':')));
        if (!java.net.InetAddress.getByName(host).isLoopbackAddress()) {
          throw new CommandLine.ParameterException(
              new CommandLine(this), "--plaintext only to a loopback address, got " + xdsAddress);
        }
        return io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(xdsAddress)
            .usePlaintext()
            .build();
      }
      if (gatewayCa == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "give --gateway-ca to verify the gateway, or --plaintext");
      }
      return io.grpc.Grpc.newChannelBuilder(
              xdsAddress,
              io.grpc.TlsChannelCredentials.newBuilder().trustManager(gatewayCa.toFile()).build())
          .build();
    }
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      modelTransformer = PortOptions.class,
      description =
          "Start an embedded Kafka broker and every service in this process, on loopback.")
  static final class Up implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--data-dir",
        description = "Where the broker log and projector state live (default: ${DEFAULT-VALUE}).",
        defaultValue = "${sys:user.home}/.chronomesh")
    Path dataDir;

    @Option(
        names = "--partitions",
        defaultValue = "3",
        description = "Partitions of the events and proxy-configs topics.")
    int partitions;

    @Option(
        names = "--no-dataplane-tokens",
        description =
            "Let proxies connect to the xDS port without a dataplane token (development only)."
                + " By default every ADS stream must present a valid token for its node"
                + " (chronoctl generate dataplane-token).")
    boolean noDataplaneTokens;

    @Option(
        names = "--xds-plaintext",
        description =
            "Serve the xDS port without TLS (development; the whole stack is on loopback). By"
                + " default it is TLS with a certificate of the control-plane CA, whose"
                + " certificate <data-dir>/control-plane/ca.pem proxies and agents verify.")
    boolean xdsPlaintext;

    @CommandLine.Mixin CommonOptions common;

    /** The ports given (or defaulted) on the command line, one per {@link UpPort}. */
    Map<UpPort, Integer> ports() {
      Map<UpPort, Integer> ports = new EnumMap<>(UpPort.class);
      for (UpPort port : UpPort.values()) {
        ports.put(port, spec.findOption(port.option()).getValue());
      }
      return ports;
    }

    @Override
    public Integer call() throws Exception {
      Files.createDirectories(dataDir);
      Map<UpPort, Integer> ports = ports();
      ChronomeshStack stack =
          ChronomeshStack.start(
              new ChronomeshStack.Settings(
                  dataDir.toAbsolutePath(),
                  common.host,
                  ports.get(UpPort.API),
                  ports.get(UpPort.XDS),
                  ports.get(UpPort.KAFKA),
                  ports.get(UpPort.KAFKA_CONTROLLER),
                  partitions,
                  new Topics(common.topicPrefix),
                  common.writeTimeout,
                  ports.get(UpPort.XDS_HTTP),
                  !noDataplaneTokens,
                  ports.get(UpPort.CA),
                  xdsPlaintext));
      PrintStream out = System.out;
      out.println();
      out.println("Chronomesh is up.");
      out.println("  REST API         " + stack.apiUrl());
      out.println("  xDS (ADS, gRPC)  " + stack.xdsAddress() + " (and kuma-dp's POST /bootstrap)");
      out.println("  xDS HTTP         " + stack.xdsHttpUrl() + " (/healthz /readyz /metrics)");
      out.println(
          "  xDS TLS          "
              + (stack.xdsTls()
                  ? "on: verify against the control-plane CA " + stack.controlPlaneCa()
                  : "off (--xds-plaintext, development)"));
      out.println("  CA (gRPC)        " + stack.caAddress() + " (loopback, mTLS with the gateway)");
      out.println("  Dataplane auth   " + dataplaneAuthLine(stack.requiresDataplaneTokens()));
      out.println(
          "  Metrics          " + stack.apiUrl() + "/metrics, " + stack.xdsHttpUrl() + "/metrics");
      out.println("  Kafka            " + stack.bootstrapServers());
      out.println("  Schema registry  " + stack.apiUrl() + "/schema-registry");
      out.println("  Data directory   " + stack.dataDir());
      out.println("Press Ctrl-C to stop.");
      out.flush();
      runUntilStopped(stack, out);
      return 0;
    }
  }

  /** Gives {@code up} one {@code --...-port} option per line of {@link UpPort}. */
  static final class PortOptions implements CommandLine.IModelTransformer {
    @Override
    public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
      for (UpPort port : UpPort.values()) {
        spec.addOption(
            CommandLine.Model.OptionSpec.builder(port.option())
                .paramLabel("PORT")
                .type(int.class)
                .defaultValue(Integer.toString(port.defaultPort()))
                .description(port.help())
                .build());
      }
      return spec;
    }
  }

  /** The banner's dataplane-auth line of {@code up}. */
  static String dataplaneAuthLine(boolean required) {
    return required
        ? "dataplane tokens required (--no-dataplane-tokens to disable)"
        : "off: proxies connect without authentication (--no-dataplane-tokens)";
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Run one service against an existing Kafka cluster (production scale-out).")
  static final class Run implements Callable<Integer> {
    @Parameters(
        index = "0",
        description = "command-api, projector or xds-gateway",
        completionCandidates = Services.class)
    String service;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin CommonOptions common;

    @Option(names = "--bootstrap-servers", required = true, description = "HOST:PORT[,HOST:PORT]")
    String bootstrapServers;

    @Option(
        names = "--kafka-config",
        description = "Kafka client properties file passed to every client (TLS, SASL, ...).")
    Path kafkaConfig;

    @Option(
        names = "--schema-registry-url",
        description =
            "A Confluent-compatible registry; default: the registry kept in the schemas topic.")
    URI schemaRegistryUrl;

    @Option(
        names = "--port",
        description = "Listen port (default: 5681 API, 5682 projector, 5678 xDS).")
    Integer port;

    @Option(
        names = "--http-port",
        description =
            "xds-gateway: its /healthz, /readyz and /metrics port (default: 5680; 0: a free"
                + " one). command-api and projector serve them on --port.")
    Integer httpPort;

    @Option(
        names = "--require-dataplane-tokens",
        description =
            "xds-gateway: refuse ADS streams without a valid dataplane token for their node"
                + " (authorization metadata, raw or 'Bearer <token>'). The default; kept so"
                + " existing command lines still work.")
    boolean requireDataplaneTokens;

    @Option(
        names = "--no-dataplane-tokens",
        description =
            "xds-gateway: accept ADS streams without a dataplane token, so proxies connect"
                + " without authentication (development only).")
    boolean noDataplaneTokens;

    @Option(
        names = "--no-kuma-dp-bootstrap",
        description =
            "xds-gateway: serve only gRPC on the xDS port, not kuma-dp's POST /bootstrap (which"
                + " shares the port by default, as on kuma-cp).")
    boolean noKumaDpBootstrap;

    @Option(
        names = "--no-hds",
        description =
            "xds-gateway: do not serve Envoy's health discovery service to kuma-dp's Envoys (on by"
                + " default with kuma-dp's bootstrap, as on kuma-cp): inbound serviceProbes then"
                + " probe nothing.")
    boolean noHds;

    @Option(
        names = "--tls-cert",
        description =
            "xds-gateway, ca-service: PEM certificate chain of the service's port (with"
                + " --tls-key); the gateway also presents it to the CA service.")
    Path tlsCert;

    @Option(names = "--tls-key", description = "xds-gateway, ca-service: PEM (PKCS#8) key.")
    Path tlsKey;

    @Option(
        names = "--trusted-ca",
        description =
            "The control-plane CA (PEM): ca-service requires callers' client certificates to chain"
                + " to it (mTLS, with --tls-cert/--tls-key; then it may listen on any address);"
                + " xds-gateway verifies the CA service (--ca-address) against it and presents"
                + " --tls-cert as its client certificate.")
    Path trustedCa;

    @Option(
        names = "--plaintext",
        description =
            "xds-gateway: serve the xDS port without TLS (only allowed on a loopback --host, for"
                + " development).")
    boolean plaintext;

    @Option(
        names = "--dataplane-deregistration-delay",
        defaultValue = "10s",
        description =
            "xds-gateway: how long after its proxy's last stream closes a dataplane the proxy"
                + " registered itself (kuma-dp --dataplane-file) is deleted, unless it reconnects"
                + " (Kuma's dataplaneDeregistrationDelay).")
    String deregistrationDelay;

    @Option(
        names = "--dataplane-cleanup-age",
        defaultValue = "72h",
        description =
            "xds-gateway: how long a dataplane may stay offline before it is deleted (Kuma's"
                + " dataplaneCleanupAge).")
    String cleanupAge;

    @Option(
        names = "--admission-rate",
        defaultValue = "0",
        description =
            "xds-gateway: new ADS streams admitted per second (0: no limit); the rest are refused"
                + " with UNAVAILABLE and retried by the clients.")
    double admissionRate;

    @Option(
        names = "--ca-address",
        description =
            "xds-gateway: host:port of a CA service (on the same host until gateways and CA use"
                + " mTLS); proxies with a dataplane token then get their workload certificates"
                + " through the gateway.")
    String caAddress;

    @Option(
        names = "--admission-burst",
        defaultValue = "100",
        description = "xds-gateway: new streams admitted at once after a quiet period.")
    int admissionBurst;

    @Option(
        names = "--projector-url",
        description =
            "command-api: a projector service to ask for dataplanes' _config (any instance"
                + " forwards to the owner); default: http://<host>:5682.")
    URI projectorUrl;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions when creating.")
    int partitions;

    @Option(names = "--replication", defaultValue = "3", description = "Replication when creating.")
    short replication;

    @Option(
        names = "--data-dir",
        defaultValue = "${sys:user.home}/.chronomesh",
        description = "Local state of the projector (RocksDB), rebuilt from Kafka when lost.")
    Path dataDir;

    @Option(names = "--application-id", defaultValue = ProjectorConfig.DEFAULT_APPLICATION_ID)
    String applicationId;

    @Option(
        names = "--catch-up-lag",
        converter = DurationConverter.class,
        description =
            "projector: project events older than this (a rebuild, a restart after downtime, a"
                + " backlog) in catch-up batches, e.g. 10s; the final configs are the same, the"
                + " intermediate versions are skipped. Default: never (a rebuild's output is"
                + " byte-identical to the live run's).")
    Duration catchUpLag;

    @Option(
        names = "--kek-file",
        description =
            "The key-encryption key (base64 of 32 bytes) that seals secrets; default: the"
                + " CHRONOMESH_KEK environment variable. Every command-api instance needs the same.")
    Path kekFile;

    @Override
    public Integer call() throws Exception {
      if (!ServiceRunner.SERVICES.contains(service)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "unknown service '" + service + "': use " + String.join(", ", ServiceRunner.SERVICES));
      }
      ServiceRunner.Running running =
          ServiceRunner.start(
              new ServiceRunner.Settings(
                  service,
                  loadKafkaProperties(),
                  new Topics(common.topicPrefix),
                  schemaRegistryUrl,
                  common.host,
                  port,
                  partitions,
                  replication,
                  dataDir,
                  applicationId,
                  sealer(),
                  dataDir.resolve(ChronomeshStack.ADMIN_TOKEN_FILE),
                  common.writeTimeout,
                  projectorUrl,
                  service.equals("xds-gateway")
                      ? (httpPort == null ? ServiceRunner.DEFAULT_GATEWAY_HTTP_PORT : httpPort)
                      : httpPort,
                  gatewayOptions(),
                  catchUpLag,
                  caTls()));
      System.out.println("Chronomesh " + service + " is running on " + running.address());
      if (running.httpAddress() != null) {
        System.out.println(
            "Health and metrics: " + running.httpAddress() + " (/healthz /readyz /metrics)");
      }
      System.out.println("Kafka: " + bootstrapServers + ". Press Ctrl-C to stop.");
      runUntilStopped(running, System.out);
      return 0;
    }

    /**
     * Whether the gateway requires dataplane tokens: yes unless {@code --no-dataplane-tokens};
     * refuses that flag together with {@code --require-dataplane-tokens}.
     */
    boolean dataplaneTokensRequired() {
      if (requireDataplaneTokens && noDataplaneTokens) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--require-dataplane-tokens and --no-dataplane-tokens contradict each other: give"
                + " at most one (tokens are required by default)");
      }
      return !noDataplaneTokens;
    }

    /** The gateway's options; refuses a gateway with neither TLS nor an explicit --plaintext. */
    XdsGatewayOptions gatewayOptions() {
      XdsGatewayOptions options =
          XdsGatewayOptions.DEFAULTS
              .withRequireDataplaneTokens(dataplaneTokensRequired())
              .withAdmission(admissionRate, admissionBurst);
      if (service.equals("xds-gateway")) {
        try {
          options =
              options.withLifecycle(
                  new DataplaneLifecycle.Settings(
                      KumaDuration.parse(deregistrationDelay), KumaDuration.parse(cleanupAge)));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(
              new CommandLine(this),
              "--dataplane-deregistration-delay, --dataplane-cleanup-age: " + e.getMessage());
        }
      }
      if (!service.equals("xds-gateway")) {
        return options;
      }
      options = options.withCaTarget(caAddress);
      if (!noKumaDpBootstrap) {
        // The control-plane CA, when given, is what kuma-dp's Envoy verifies the gateway with.
        options = options.withKumaDpBootstrap(true, tlsCert != null ? trustedCa : null);
        if (!noHds) {
          options = options.withHds(HealthChecks.Settings.KUMA_DEFAULTS);
        }
      }
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "give both --tls-cert and --tls-key, or neither");
      }
      if (trustedCa != null) {
        if (tlsCert == null || caAddress == null) {
          throw new CommandLine.ParameterException(
              new CommandLine(this),
              "--trusted-ca verifies the CA service: give it with --ca-address, --tls-cert and"
                  + " --tls-key");
        }
        options = options.withCaTls(new MutualTls(tlsCert, tlsKey, trustedCa));
      }
      if (tlsCert != null) {
        return options.withTls(tlsCert, tlsKey);
      }
      if (!plaintext) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "the xDS port needs --tls-cert and --tls-key, or --plaintext on a loopback --host for"
                + " development");
      }
      return options;
    }

    /** The CA service's mTLS: its certificate and key and the control-plane CA, or none. */
    MutualTls caTls() {
      if (!service.equals("ca-service")) {
        return null;
      }
      if (tlsCert == null && tlsKey == null && trustedCa == null) {
        return null;
      }
      if (tlsCert == null || tlsKey == null || trustedCa == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "ca-service: give --tls-cert, --tls-key and --trusted-ca together (mTLS), or none"
                + " (plaintext on loopback)");
      }
      return new MutualTls(tlsCert, tlsKey, trustedCa);
    }

    private Sealer sealer() {
      byte[] kek = KeyEncryptionKey.fromFileOrEnv(kekFile);
      return kek == null ? null : new EnvelopeSealer(kek);
    }

    private Map<String, Object> loadKafkaProperties() throws IOException {
      Map<String, Object> props = new HashMap<>();
      if (kafkaConfig != null) {
        Properties file = new Properties();
        try (InputStream in = Files.newInputStream(kafkaConfig)) {
          file.load(in);
        }
        file.forEach((k, v) -> props.put(k.toString(), v));
      }
      props.put("bootstrap.servers", bootstrapServers);
      return Map.copyOf(props);
    }
  }

  /** Options of both {@code up} and {@code run}. */
  static final class CommonOptions {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address.")
    String host;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX)
    String topicPrefix;

    @Option(
        names = "--write-timeout",
        defaultValue = "15s",
        converter = DurationConverter.class,
        description = "How long a write waits for its decision before answering 504 (e.g. 15s).")
    Duration writeTimeout;
  }

  /** Kuma-style durations on the command line: 500ms, 15s, 2m. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return dev.chronomesh.auth.KumaDuration.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration such as 15s or 2m: " + e.getMessage());
      }
    }
  }

  /** Completion candidates of {@code run}. */
  static final class Services extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    Services() {
      super(ServiceRunner.SERVICES);
    }
  }
}
