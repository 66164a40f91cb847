package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.avro.ResourceEvent;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kuma-compatible REST admin API: writes are validated, decided against the current view and
 * appended to the events topic; reads come from a projection of that topic. {@link #app()} lets the
 * launcher mount more routes (the schema registry).
 */
public final class CommandApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CommandApiServer.class);

  private final Javalin app;
  private final EventView view;
  private final List<AutoCloseable> resources;
  private volatile boolean closed;

  private CommandApiServer(Javalin app, EventView view, List<AutoCloseable> resources) {
    this.app = app;
    this.view = view;
    this.resources = resources;
  }

  /**
   * Starts the event view and the HTTP server; returns once HTTP listens and the view consumer runs
   * (use {@link #isReady()} to know when it has read the log).
   *
   * @throws IllegalStateException when the events topic does not exist or Kafka cannot be reached
   */
  public static CommandApiServer start(CommandApiConfig config) {
    return start(config, Clock.systemUTC());
  }

  static CommandApiServer start(CommandApiConfig config, Clock clock) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    String topic = config.topics().events();
    AvroSerde<ResourceEvent> serde = AvroSerde.forValues(config.registry(), ResourceEvent.class);
    ObjectMapper json = new ObjectMapper();
    // Closed in reverse order on failure or close().
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      EventView view = new EventView(config.kafkaProperties(), topic, serde, config.writeTimeout());
      opened.add(view);
      view.start();
      EventWriter writer =
          new EventWriter(
              config.kafkaProperties(), topic, view.partitionCount(), serde, config.writeTimeout());
      opened.add(writer);
      Admin admin = Admin.create(config.kafkaProperties());
      opened.add(admin);
      WriteService writes = new WriteService(view, writer, admin, topic, config.writeTimeout());
      EventQuery history =
          new EventQuery(
              config.kafkaProperties(),
              topic,
              view.partitionCount(),
              writer::partitionFor,
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
              });
      opened.add(app::stop);
      app.before(Requests::assignRequestId);
      installErrorHandling(app, json);
      app.get("/healthz", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
      app.get(
          "/readyz",
          ctx -> {
            if (view.isReady()) {
              ctx.contentType("application/json").result("{\"status\":\"ready\"}");
            } else {
              throw new ApiProblem(503, "not ready: still reading the event log");
            }
          });
      app.get(
          "/events",
          ctx ->
              ctx.contentType("application/json").result(json.writeValueAsBytes(history.run(ctx))));
      new ResourceRoutes(view, writes, json, clock, config.maxBodyBytes()).register(app);
      app.start(config.host(), config.port());
      LOG.info(
          "Command API listening host={} port={} topic={} partitions={}",
          config.host(),
          app.port(),
          topic,
          view.partitionCount());
      return new CommandApiServer(app, view, opened);
    } catch (RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  private static void installErrorHandling(Javalin app, ObjectMapper json) {
    app.exception(
        ApiProblem.class,
        (e, ctx) -> {
          if (e.status() >= 500) {
            LOG.warn(
                "Request failed status={} method={} path={} requestId={}: {}",
                e.status(),
                ctx.method(),
                ctx.path(),
                Requests.requestId(ctx),
                e.detail());
          }
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

  /** Whether the view has read the events topic up to the end offsets seen at start. */
  public boolean isReady() {
    return view.isReady() && !closed;
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
