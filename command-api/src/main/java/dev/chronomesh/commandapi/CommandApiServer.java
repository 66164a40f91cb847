package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.commandapi.auth.Authenticator;
import dev.chronomesh.commandapi.auth.Principal;
import dev.chronomesh.commandapi.auth.TokenAuth;
import dev.chronomesh.commandapi.decider.DeciderService;
import dev.chronomesh.commandapi.openapi.OpenApiRoute;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.view.EventView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.commons.io.FileUtils;
import org.apache.commons.io.file.PathUtils;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kuma-compatible REST admin API: writes are validated and sent as commands to the
 * single-writer decider (a Kafka Streams application in this process) which appends the events;
 * reads come from a projection of the events topic. Every request but health, readiness, the
 * OpenAPI document and schema reads is authenticated. {@link #app()} lets the launcher mount more
 * routes (the schema registry).
 */
public final class CommandApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CommandApiServer.class);

  /** The request attribute holding the authenticated {@link Principal} of a request. */
  public static final String PRINCIPAL_ATTRIBUTE = TokenAuth.PRINCIPAL_ATTRIBUTE;

  private final Javalin app;
  private final EventView view;
  private final DeciderService decider;
  private final List<AutoCloseable> resources;
  private volatile boolean closed;

  /**
   * False until the admin token exists when one is to be created at first start: readiness waits
   * for it so that tools started with the API find the token file.
   */
  private volatile boolean adminTokenWritten = true;

  private CommandApiServer(
      Javalin app, EventView view, DeciderService decider, List<AutoCloseable> resources) {
    this.app = app;
    this.view = view;
    this.decider = decider;
    this.resources = resources;
  }

  /**
   * Starts the event view, the decider and the HTTP server; returns once HTTP listens (use {@link
   * #isReady()} to know when the view has read the log). The decider keeps its stores in {@code
   * decider-state} next to the admin token file, else in a new temporary directory; see {@link
   * #start(CommandApiConfig, Path)}.
   *
   * @throws IllegalStateException when a topic does not exist or Kafka cannot be reached
   */
  public static CommandApiServer start(CommandApiConfig config) {
    if (config.adminTokenFile() != null
        && config.adminTokenFile().toAbsolutePath().getParent() != null) {
      return start(
          config,
          config.adminTokenFile().toAbsolutePath().getParent().resolve("decider-state"),
          Clock.systemUTC());
    }
    Path stateDir;
    try {
      // A cache only: the stores are restored from their changelog topics.
      stateDir = Files.createTempDirectory("chronomesh-decider-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory for the decider", e);
    }
    CommandApiServer server;
    try {
      server = start(config, stateDir, Clock.systemUTC());
    } catch (RuntimeException e) {
      FileUtils.deleteQuietly(stateDir.toFile());
      throw e;
    }
    // Deleted last on close, once the decider has released its stores.
    server.resources.add(0, () -> PathUtils.deleteDirectory(stateDir));
    return server;
  }

  /**
   * Starts the API with the decider's RocksDB stores under {@code stateDir} (a cache: the stores
   * are rebuilt from their changelog topics when it is lost).
   */
  public static CommandApiServer start(CommandApiConfig config, Path stateDir) {
    return start(config, stateDir, Clock.systemUTC());
  }

  static CommandApiServer start(CommandApiConfig config, Path stateDir, Clock clock) {
    return start(config, stateDir, clock, true);
  }

  /** {@code withDecider = false} starts the API alone (tests of the timeout path). */
  static CommandApiServer start(
      CommandApiConfig config, Path stateDir, Clock clock, boolean withDecider) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(clock, "clock");
    Topics topics = config.topics();
    String topic = topics.events();
    AvroSerde<ResourceEvent> serde = AvroSerde.forValues(config.registry(), ResourceEvent.class);
    ObjectMapper json = new ObjectMapper();
    // Closed in reverse order on failure or close().
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      EventView view =
          new EventView(
              "chronomesh-command-api",
              config.kafkaProperties(),
              topic,
              serde,
              config.writeTimeout());
      opened.add(view);
      ProxyStatusView proxyStatus =
          new ProxyStatusView(config.kafkaProperties(), topics, config.registry());
      opened.add(proxyStatus);
      proxyStatus.start();
      DeciderService decider = null;
      if (withDecider) {
        decider =
            DeciderService.start(
                config.kafkaProperties(),
                topics,
                config.registry(),
                topics.prefix() + "decider",
                stateDir);
        opened.add(decider);
      }
      ApiMetrics metrics = new ApiMetrics(decider == null ? null : decider.kafkaStreams());
      opened.add(metrics);
      CommandClient commands =
          new CommandClient(
              config.kafkaProperties(),
              topics.commands(),
              topics.commandResults(),
              AvroSerde.forValues(config.registry(), Command.class).serializer(),
              AvroSerde.forValues(config.registry(), CommandResult.class).deserializer(),
              config.writeTimeout());
      opened.add(commands);
      Admin admin = Admin.create(config.kafkaProperties());
      opened.add(admin);
      WriteService writes = new WriteService(view, commands, admin, topic, config.writeTimeout());
      EventQuery history =
          new EventQuery(
              config.kafkaProperties(),
              topic,
              view.partitionCount(),
              mesh -> MeshPartitioner.partitionFor(mesh, view.partitionCount()),
              serde,
              json,
              config.writeTimeout());

      Javalin app =
          Javalin.create(
              cfg -> {
                cfg.showJavalinBanner = false;
                cfg.startupWatcherEnabled = false;
                cfg.http.maxRequestSize = config.maxBodyBytes();
                cfg.http.prefer405over404 = true;
                cfg.router.ignoreTrailingSlashes = true;
                cfg.jetty.modifyServer(server -> server.setErrorHandler(new JettyProblemHandler()));
                cfg.requestLogger.http(metrics::record);
              });
      opened.add(app::stop);
      app.before(Requests::assignRequestId);
      installErrorHandling(app, json);
      TokenAuth tokenAuth = null;
      Authenticator authenticator = config.authenticator();
      if (authenticator == null) {
        tokenAuth = TokenAuth.create(new ViewAuthStore(view, writes), config.sealer(), clock);
        authenticator = tokenAuth.authenticator();
      }
      app.before(new AuthGate(authenticator)::handle);
      app.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
      app.get("/metrics", metrics::serve);
      // Readiness is the server's own (view, decider, admin token), known once it is built.
      java.util.concurrent.atomic.AtomicReference<CommandApiServer> self =
          new java.util.concurrent.atomic.AtomicReference<>();
      app.get(
          "/readyz",
          ctx -> {
            CommandApiServer built = self.get();
            if (built != null && built.isReady()) {
              ctx.contentType("application/json").result("{\"status\":\"ready\"}");
            } else {
              throw new ApiProblem(
                  503,
                  "not ready: still reading the event log, starting the decider or creating the admin token",
                  List.of(),
                  java.util.Map.of("Retry-After", "1"));
            }
          });
      app.get(
          "/events",
          ctx ->
              ctx.contentType("application/json").result(json.writeValueAsBytes(history.run(ctx))));
      MeshHistory past =
          new MeshHistory(
              config.kafkaProperties(),
              topic,
              view.partitionCount(),
              mesh -> MeshPartitioner.partitionFor(mesh, view.partitionCount()),
              serde,
              config.writeTimeout());
      new ResourceRoutes(
              view, past, writes, commands, json, clock, config.maxBodyBytes(), config.sealer())
          .register(app);
      new DataplaneOverviewRoute(view, proxyStatus, json).register(app);
      new MeshCaRoute(view, config.sealer()).register(app);
      new GrpcBootstrapRoute(view, config.xdsGateway()).register(app);
      OpenApiRoute.install(app);
      if (tokenAuth != null) {
        tokenAuth.installRoutes(app);
      }
      app.start(config.host(), config.port());
      LOG.info(
          "Command API listening host={} port={} topic={} partitions={} stateDir={}",
          config.host(),
          app.port(),
          topic,
          view.partitionCount(),
          stateDir);
      CommandApiServer server = new CommandApiServer(app, view, decider, opened);
      self.set(server);
      if (tokenAuth != null && config.adminTokenFile() != null) {
        server.adminTokenWritten = false;
        TokenAuth auth = tokenAuth;
        Thread.ofVirtual()
            .name("chronomesh-admin-token")
            .start(() -> server.bootstrapAdminToken(auth, config.adminTokenFile()));
      }
      return server;
    } catch (RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  /** Creates the admin token once the view has read the log (so an existing key is reused). */
  private void bootstrapAdminToken(TokenAuth auth, Path file) {
    try {
      while (!servesWrites()) {
        if (closed) {
          return;
        }
        synchronized (this) {
          wait(100);
        }
      }
      auth.bootstrapAdminToken(file, System.out);
      adminTokenWritten = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("Cannot create the admin token file={}", file, e);
    }
  }

  private static void installErrorHandling(Javalin app, ObjectMapper json) {
    app.exception(
        ApiProblem.class,
        (e, ctx) -> {
          // A not-ready /readyz is an answer, not a failure: probes poll it while starting.
          if (e.status() >= 500 && !ctx.path().equals("/readyz")) {
            LOG.warn(
                "Request failed status={} method={} path={} requestId={}: {}",
                e.status(),
                ctx.method(),
                ctx.path(),
                Requests.requestId(ctx),
                e.detail());
          }
          e.headers().forEach(ctx::header);
          Problems.write(ctx, json, e.status(), e.detail(), e.violations());
        });
    app.exception(
        HttpResponseException.class,
        (e, ctx) ->
            Problems.write(ctx, json, e.getStatus(), describe(ctx, e.getStatus()), List.of()));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error(
              "Unexpected error method={} path={} requestId={}",
              ctx.method(),
              ctx.path(),
              Requests.requestId(ctx),
              e);
          Problems.write(
              ctx,
              json,
              500,
              "unexpected error (requestId " + Requests.requestId(ctx) + "); see the server log",
              List.of());
        });
    for (int status : new int[] {404, 405, 413, 415, 500}) {
      app.error(
          status,
          ctx -> {
            if (ctx.attribute(Problems.WRITTEN) == null) {
              Problems.write(ctx, json, status, describe(ctx, status), List.of());
            }
          });
    }
  }

  private static String describe(Context ctx, int status) {
    return switch (status) {
      case 404 -> "no such resource or route: " + ctx.method() + " " + ctx.path();
      case 405 -> "method " + ctx.method() + " is not allowed on " + ctx.path();
      case 413 -> "the request body is too large";
      default -> Problems.title(status);
    };
  }

  /** The port HTTP listens on (the chosen one when configured with 0). */
  public int port() {
    return app.port();
  }

  /**
   * Whether the view has read the events topic up to the end offsets seen at start and the decider
   * runs.
   */
  public boolean isReady() {
    return servesWrites() && adminTokenWritten;
  }

  /** The view has read the log and the decider runs: what the admin token's creation needs. */
  private boolean servesWrites() {
    return view.isReady() && (decider == null || decider.isRunning()) && !closed;
  }

  /** The HTTP server, so the launcher can mount extra routes (the schema registry). */
  public Javalin app() {
    return app;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeAll(resources);
    LOG.info("Command API stopped");
  }

  private static void closeAll(List<AutoCloseable> opened) {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        LOG.warn("Error while closing {}", opened.get(i), e);
      }
    }
  }
}
