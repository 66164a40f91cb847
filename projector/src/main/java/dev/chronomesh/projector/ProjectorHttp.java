package dev.chronomesh.projector;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projector's own small HTTP listener when it runs as a service of its own: {@code /healthz},
 * {@code /readyz}, {@code /metrics} (Prometheus text: JVM, process and Kafka Streams metrics) and
 * {@code GET /meshes/{mesh}/dataplanes/{name}/_config}, answered from this instance's stores when
 * it owns the mesh and forwarded once to the owning instance (its {@code application.server})
 * otherwise.
 */
public final class ProjectorHttp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectorHttp.class);
  private static final Pattern CONFIG =
      Pattern.compile("^/meshes/([^/]+)/dataplanes/([^/]+)/_config$");
  static final String FORWARDED = "X-Chronomesh-Forwarded";
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final ScheduledExecutorService metricsRefresh =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("projector-metrics").daemon().factory());
  private static final Duration METRICS_REFRESH = Duration.ofSeconds(10);

  /** Null until {@link #serve}. */
  private volatile KafkaStreamsMetrics streamsMetrics;

  /** Null until {@link #serve}: the address must be known before Kafka Streams starts. */
  private volatile Projector projector;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ProjectorHttp(HttpServer server) {
    this.server = server;
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /**
   * Listens on {@code host:port} (0 for any free port); answers 503 until {@link #serve} gives it
   * the projector, which is started with this listener's address as its {@code application.server}.
   */
  public static ProjectorHttp start(String host, int port) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
    }
    ProjectorHttp http = new ProjectorHttp(server);
    server.createContext("/", http::handle);
    server.setExecutor(Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().factory()));
    server.start();
    return http;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Starts answering for {@code projector}, and exposes its Kafka Streams metrics. */
  public void serve(Projector projector) {
    this.projector = java.util.Objects.requireNonNull(projector);
    // Kafka Streams creates metrics as its threads and tasks come up: look for new ones every few
    // seconds (Micrometer's default is a minute).
    KafkaStreamsMetrics binder =
        new KafkaStreamsMetrics(projector.streams(), List.of(), metricsRefresh, METRICS_REFRESH);
    binder.bindTo(registry);
    KafkaStreamsMetrics previous = streamsMetrics;
    streamsMetrics = binder;
    if (previous != null) {
      previous.close();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      if (!exchange.getRequestMethod().equals("GET")) {
        send(exchange, 405, problem(405, "Method Not Allowed", "only GET is served here"));
        return;
      }
      if (path.equals("/healthz")) {
        send(exchange, 200, "{\"status\":\"ok\"}");
        return;
      }
      if (path.equals("/metrics")) {
        byte[] bytes = registry.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", PROMETHEUS_TEXT);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        return;
      }
      Projector projector = this.projector;
      if (path.equals("/readyz")) {
        boolean ready = projector != null && projector.isRunning();
        send(exchange, ready ? 200 : 503, "{\"ready\":" + ready + "}");
        return;
      }
      Matcher m = CONFIG.matcher(path);
      if (!m.matches()) {
        send(exchange, 404, problem(404, "Not Found", "no such path: " + path));
        return;
      }
      if (projector == null) {
        send(exchange, 503, problem(503, "Service Unavailable", "the projector is starting"));
        return;
      }
      String mesh = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
      String name = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
      config(exchange, projector, mesh, name);
    } catch (RuntimeException e) {
      LOG.error("Request failed path={}", exchange.getRequestURI(), e);
    }
  }

  private void config(HttpExchange exchange, Projector projector, String mesh, String name)
      throws IOException {
    try {
      Optional<HostInfo> owner = projector.remoteOwner(mesh);
      if (owner.isPresent()) {
        if (exchange.getRequestHeaders().containsKey(FORWARDED)) {
          send(
              exchange,
              503,
              problem(503, "Service Unavailable", "ownership of mesh " + mesh + " is moving"));
          return;
        }
        forward(exchange, owner.get(), mesh, name);
        return;
      }
      Optional<String> dump = projector.configDump(mesh, name);
      if (dump.isEmpty()) {
        send(
            exchange,
            404,
            problem(404, "Not Found", "no config for dataplane " + name + " in mesh " + mesh));
      } else {
        send(exchange, 200, dump.get());
      }
    } catch (InvalidStateStoreException e) {
      exchange.getResponseHeaders().add("Retry-After", "1");
      send(
          exchange,
          503,
          problem(503, "Service Unavailable", "the projection is not queryable yet"));
    }
  }

  private void forward(HttpExchange exchange, HostInfo owner, String mesh, String name)
      throws IOException {
    URI uri =
        URI.create(
            "http://"
                + owner.host()
                + ":"
                + owner.port()
                + "/meshes/"
                + URLEncoder.encode(mesh, StandardCharsets.UTF_8)
                + "/dataplanes/"
                + URLEncoder.encode(name, StandardCharsets.UTF_8)
                + "/_config");
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri)
                  .header(FORWARDED, "1")
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      send(exchange, response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      send(exchange, 503, problem(503, "Service Unavailable", "interrupted"));
    } catch (IOException e) {
      send(
          exchange,
          502,
          problem(
              502, "Bad Gateway", "the owner " + owner + " of mesh " + mesh + " did not answer"));
    }
  }

  private static String problem(int status, String title, String detail) {
    return "{\"type\":\"about:blank\",\"status\":"
        + status
        + ",\"title\":"
        + quote(title)
        + ",\"detail\":"
        + quote(detail)
        + "}";
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange
        .getResponseHeaders()
        .set("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    KafkaStreamsMetrics binder = streamsMetrics;
    if (binder != null) {
      binder.close();
    }
    metricsRefresh.shutdownNow();
    gc.close();
    registry.close();
  }
}
