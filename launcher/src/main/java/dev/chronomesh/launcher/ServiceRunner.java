package dev.chronomesh.launcher;

import dev.chronomesh.ca.CaServer;
import dev.chronomesh.ca.MutualTls;
import dev.chronomesh.commandapi.CommandApiConfig;
import dev.chronomesh.commandapi.CommandApiServer;
import dev.chronomesh.commandapi.ProxyConfigRoutes;
import dev.chronomesh.commandapi.XdsGatewayEndpoint;
import dev.chronomesh.commandapi.registry.SchemaRegistryRoutes;
import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.ConfluentSchemaRegistryClient;
import dev.chronomesh.events.registry.KafkaSchemaRegistry;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.projector.Projector;
import dev.chronomesh.projector.ProjectorConfig;
import dev.chronomesh.projector.ProjectorHttp;
import dev.chronomesh.xds.XdsGateway;
import dev.chronomesh.xds.XdsGatewayConfig;
import dev.chronomesh.xds.XdsGatewayOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service of Chronomesh against an existing Kafka cluster: what {@code chronomesh run} starts,
 * as many times as production needs (several gateways and projectors share the work).
 */
public final class ServiceRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

  /** The services {@code run} knows. */
  /** The projector's own HTTP port (health, and {@code _config} of the meshes it owns). */
  public static final int DEFAULT_PROJECTOR_PORT = 5682;

  /**
   * The xDS gateway's /healthz, /readyz and /metrics port: Kuma's diagnostics port (its dp-server
   * is on 5678 as ours).
   */
  public static final int DEFAULT_GATEWAY_HTTP_PORT = 5680;

  public static final List<String> SERVICES =
      List.of("command-api", "projector", "xds-gateway", "ca-service");

  private ServiceRunner() {}

  /**
   * How to run a service.
   *
   * @param kafkaProperties bootstrap.servers plus client settings passed to every client
   * @param schemaRegistryUrl an external Confluent-compatible registry, or null for the registry
   *     kept in the schemas topic (then command-api serves it under /schema-registry)
   * @param port listen port, or null for the service's default (5681 API, 5678 xDS, 5677 CA)
   * @param dataDir local state of the projector and the decider (rebuilt from Kafka when lost)
   * @param sealer seals secrets with the operator's key-encryption key; needed by command-api and
   *     ca-service
   * @param adminTokenFile where command-api writes the admin token at first start, or null
   * @param writeTimeout how long a write waits for its decision (then 504); null: the default
   * @param projectorUrl where command-api asks a projector for {@code _config}; null: {@code
   *     http://<host>:5682}
   * @param httpPort xds-gateway only: the port of its /healthz, /readyz and /metrics listener (0
   *     for a free one), or null for none (command-api and projector serve them on their port)
   * @param gatewayOptions xds-gateway only: its options, or null for the library's {@link
   *     XdsGatewayOptions#DEFAULTS} (no dataplane-token check); {@code chronomesh run} and {@code
   *     up} pass options that require dataplane tokens unless told otherwise
   * @param catchUpLag projector only: events older than this are projected in catch-up batches (see
   *     {@link ProjectorConfig#catchUpLag()}); null or zero: never
   */
  public record Settings(
      String service,
      Map<String, Object> kafkaProperties,
      Topics topics,
      URI schemaRegistryUrl,
      String host,
      Integer port,
      int partitions,
      short replication,
      Path dataDir,
      String applicationId,
      Sealer sealer,
      Path adminTokenFile,
      Duration writeTimeout,
      URI projectorUrl,
      Integer httpPort,
      XdsGatewayOptions gatewayOptions,
      Duration catchUpLag,
      MutualTls caTls) {
    public Settings {
      Objects.requireNonNull(service, "service");
      if (!SERVICES.contains(service)) {
        throw new IllegalArgumentException(
            "unknown service '" + service + "': use one of " + String.join(", ", SERVICES));
      }
      kafkaProperties = Map.copyOf(kafkaProperties);
      if (!kafkaProperties.containsKey("bootstrap.servers")) {
        throw new IllegalArgumentException("kafkaProperties must contain bootstrap.servers");
      }
      Objects.requireNonNull(topics, "topics");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(applicationId, "applicationId");
      if (writeTimeout == null) {
        writeTimeout = ServiceDefaults.WRITE_TIMEOUT;
      }
      if (projectorUrl == null) {
        projectorUrl = URI.create("http://" + host + ":" + DEFAULT_PROJECTOR_PORT);
      }
      if (gatewayOptions == null) {
        gatewayOptions = XdsGatewayOptions.DEFAULTS;
      }
      if (catchUpLag == null) {
        catchUpLag = ProjectorConfig.DEFAULT_CATCH_UP_LAG;
      }
      if (!catchUpLag.isZero() && !service.equals("projector")) {
        throw new IllegalArgumentException(
            "--catch-up-lag is for the projector only: " + service + " has no projection");
      }
      if (writeTimeout.isNegative() || writeTimeout.isZero()) {
        throw new IllegalArgumentException("the write timeout must be positive: " + writeTimeout);
      }
      if (caTls != null && !service.equals("ca-service")) {
        throw new IllegalArgumentException("caTls is for ca-service only, not " + service);
      }
      if (httpPort != null && !service.equals("xds-gateway")) {
        throw new IllegalArgumentException(
            "--http-port is for xds-gateway only: "
                + service
                + " serves /healthz, /readyz and /metrics on its --port");
      }
      if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
        throw new IllegalArgumentException(
            "--http-port must be between 0 and 65535, was " + httpPort);
      }
      if ((service.equals("command-api") || service.equals("ca-service")) && sealer == null) {
        throw new IllegalArgumentException(
            "the "
                + service
                + " needs the key-encryption key: --kek-file FILE or "
                + KeyEncryptionKey.ENV
                + " (base64 of 32 random bytes, e.g. 'openssl rand -base64 32')");
      }
    }
  }

  /**
   * A started service: close it to stop it (and the registry it started).
   *
   * @param httpAddress {@code http://host:port} of the xds-gateway's /healthz, /readyz and /metrics
   *     listener; null for other services (they serve them at {@code address}) or without one
   */
  public record Running(
      String service, String address, BooleanSupplier ready, AutoCloseable stop, String httpAddress)
      implements AutoCloseable {
    public Running(String service, String address, BooleanSupplier ready, AutoCloseable stop) {
      this(service, address, ready, stop, null);
    }

    @Override
    public void close() throws Exception {
      stop.close();
    }
  }

  /** Creates missing topics, starts the schema registry client and the service. */
  public static Running start(Settings s) {
    TopicSetup.ensureTopics(s.kafkaProperties(), s.topics(), s.partitions(), s.replication());
    if (s.schemaRegistryUrl() != null) {
      return start(s, new ConfluentSchemaRegistryClient(s.schemaRegistryUrl()), null);
    }
    KafkaSchemaRegistry registry =
        KafkaSchemaRegistry.start(s.kafkaProperties(), s.topics().schemas());
    try {
      Running running = start(s, registry, registry);
      return new Running(
          running.service(),
          running.address(),
          running.ready(),
          () -> closeAll(List.of(running, registry)),
          running.httpAddress());
    } catch (RuntimeException | Error e) {
      registry.close();
      throw e;
    }
  }

  /**
   * Starts the service with a registry the caller owns (and closes).
   *
   * @param served the registry whose REST protocol the command-api serves, or null
   */
  static Running start(Settings s, SchemaRegistry registry, KafkaSchemaRegistry served) {
    return start(s, registry, served, null);
  }

  /**
   * Starts the service with a registry the caller owns; a command-api names {@code xdsGateway} in
   * the grpc-xds bootstraps it generates (null: it does not know the gateway).
   */
  static Running start(
      Settings s,
      SchemaRegistry registry,
      KafkaSchemaRegistry served,
      XdsGatewayEndpoint xdsGateway) {
    if (xdsGateway != null && !s.service().equals("command-api")) {
      throw new IllegalArgumentException("xdsGateway is for command-api only, not " + s.service());
    }
    return switch (s.service()) {
      case "command-api" -> {
        CommandApiServer api =
            CommandApiServer.start(
                new CommandApiConfig(
                    s.host(),
                    s.port() == null ? CommandApiConfig.DEFAULT_PORT : s.port(),
                    s.kafkaProperties(),
                    s.topics(),
                    registry,
                    ServiceDefaults.MAX_BODY_BYTES,
                    s.writeTimeout(),
                    s.sealer(),
                    s.adminTokenFile(),
                    null,
                    xdsGateway));
        try {
          if (served != null) {
            SchemaRegistryRoutes.mount(api.app(), served);
          }
          ProxyConfigRoutes.mount(api.app(), ProxyConfigRoutes.http(s.projectorUrl()));
        } catch (RuntimeException e) {
          api.close();
          throw e;
        }
        yield new Running(s.service(), "http://" + s.host() + ":" + api.port(), api::isReady, api);
      }
      case "projector" -> {
        // The listener first: its address is the projector's application.server, which tells
        // the other instances where to forward a _config request for a mesh this one owns.
        ProjectorHttp http =
            ProjectorHttp.start(s.host(), s.port() == null ? DEFAULT_PROJECTOR_PORT : s.port());
        Projector projector;
        try {
          Map<String, Object> props = new java.util.HashMap<>(s.kafkaProperties());
          props.put("application.server", s.host() + ":" + http.port());
          projector =
              Projector.start(
                  new ProjectorConfig(
                          props,
                          s.topics(),
                          registry,
                          s.applicationId(),
                          s.dataDir().toAbsolutePath().resolve("streams"))
                      .withCatchUpLag(s.catchUpLag()));
        } catch (RuntimeException e) {
          http.close();
          throw e;
        }
        http.serve(projector);
        yield new Running(
            s.service(),
            "http://" + s.host() + ":" + http.port(),
            projector::isRunning,
            () -> closeAll(List.of(http, projector)));
      }
      case "xds-gateway" -> {
        XdsGatewayOptions options = s.gatewayOptions().withHttpPort(s.httpPort());
        if (options.cacheDir() == null) {
          // The fleet's configs are cached on disk: under the data directory, not a tmpfs /tmp.
          options = options.withCacheDir(s.dataDir().toAbsolutePath().resolve("xds-cache"));
        }
        XdsGateway gateway =
            XdsGateway.start(
                new XdsGatewayConfig(
                    s.host(),
                    s.port() == null ? XdsGatewayConfig.DEFAULT_PORT : s.port(),
                    s.kafkaProperties(),
                    s.topics(),
                    registry,
                    options));
        if (!s.gatewayOptions().requireDataplaneTokens()) {
          LOG.warn(
              "Dataplane tokens are off: proxies connect to the xDS port without authentication,"
                  + " and any client may fetch any node's config (--no-dataplane-tokens is for"
                  + " development) host={} port={}",
              s.host(),
              gateway.port());
        }
        yield new Running(
            s.service(),
            s.host() + ":" + gateway.port(),
            gateway::isReady,
            gateway,
            gateway.httpPort().isPresent()
                ? "http://" + s.host() + ":" + gateway.httpPort().getAsInt()
                : null);
      }
      case "ca-service" -> {
        CaServer ca =
            CaServer.start(
                new CaServer.Config(
                    s.host(),
                    s.port() == null ? CaServer.DEFAULT_PORT : s.port(),
                    s.kafkaProperties(),
                    s.topics(),
                    registry,
                    s.sealer(),
                    s.writeTimeout(),
                    s.caTls()));
        yield new Running(s.service(), s.host() + ":" + ca.port(), ca::isReady, ca);
      }
      default -> throw new IllegalStateException("unreachable: " + s.service());
    };
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (AutoCloseable c : resources) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("Error while stopping component={}", c.getClass().getSimpleName(), e);
      }
    }
  }
}
