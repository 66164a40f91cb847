package dev.chronomesh.projector;

import com.sun.net.httpserver.HttpExchange;
import dev.chronomesh.servicehttp.KafkaStreamsBinding;
import dev.chronomesh.servicehttp.ServiceHttp;
import dev.chronomesh.servicehttp.ServiceMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The projector's own small HTTP listener when it runs as a service of its own: {@code /healthz},
 * {@code /readyz}, {@code /metrics} (Prometheus text: JVM, process and Kafka Streams metrics) and
 * {@code GET /meshes/{mesh}/dataplanes/{name}/_config}, answered from this instance's stores when
 * it owns the mesh and forwarded once to the owning instance (its {@code application.server})
 * otherwise.
 */
public final class ProjectorHttp implements AutoCloseable {
  private static final Pattern CONFIG =
      Pattern.compile("^/meshes/([^/]+)/dataplanes/([^/]+)/_config$");
  static final String FORWARDED = "X-Chronomesh-Forwarded";

  private final ServiceMetrics metrics = new ServiceMetrics();
  private final ServiceHttp http;

  /** Null until {@link #serve}: the address must be known before Kafka Streams starts. */
  private volatile Projector projector;

  private volatile KafkaStreamsBinding streamsMetrics;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ProjectorHttp(String host, int port) {
    this.http =
        ServiceHttp.start(
            "projector",
            host,
            port,
            () -> {
              Projector p = projector;
              return p != null && p.isRunning();
            },
            metrics::scrape,
            this::route);
  }

  /**
   * Listens on {@code host:port} (0 for any free port); answers 503 until {@link #serve} gives it
   * the projector, which is started with this listener's address as its {@code application.server}.
   */
  public static ProjectorHttp start(String host, int port) {
    return new ProjectorHttp(host, port);
  }

  public int port() {
    return http.port();
  }

  /** Starts answering for {@code projector}, and exposes its Kafka Streams metrics. */
  public void serve(Projector projector) {
    this.projector = java.util.Objects.requireNonNull(projector);
    KafkaStreamsBinding previous = streamsMetrics;
    streamsMetrics = new KafkaStreamsBinding(projector.streams(), metrics.registry(), "projector");
    if (previous != null) {
      previous.close();
    }
  }

  /** {@code GET /meshes/{mesh}/dataplanes/{name}/_config}; false for any other path. */
  private boolean route(HttpExchange exchange, String path) throws IOException {
    Matcher m = CONFIG.matcher(path);
    if (!m.matches()) {
      return false;
    }
    Projector projector = this.projector;
    if (projector == null) {
      ServiceHttp.sendProblem(exchange, 503, "Service Unavailable", "the projector is starting");
      return true;
    }
    String mesh = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    String name = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
    config(exchange, projector, mesh, name);
    return true;
  }

  private void config(HttpExchange exchange, Projector projector, String mesh, String name)
      throws IOException {
    try {
      Optional<HostInfo> owner = projector.remoteOwner(mesh);
      if (owner.isPresent()) {
        if (exchange.getRequestHeaders().containsKey(FORWARDED)) {
          ServiceHttp.sendProblem(
              exchange, 503, "Service Unavailable", "ownership of mesh " + mesh + " is moving");
          return;
        }
        forward(exchange, owner.get(), mesh, name);
        return;
      }
      Optional<String> dump = projector.configDump(mesh, name);
      if (dump.isEmpty()) {
        ServiceHttp.sendProblem(
            exchange, 404, "Not Found", "no config for dataplane " + name + " in mesh " + mesh);
      } else {
        ServiceHttp.sendJson(exchange, 200, dump.get());
      }
    } catch (InvalidStateStoreException e) {
      exchange.getResponseHeaders().add("Retry-After", "1");
      ServiceHttp.sendProblem(
          exchange, 503, "Service Unavailable", "the projection is not queryable yet");
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
      ServiceHttp.send(
          exchange,
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse("application/json"),
          response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ServiceHttp.sendProblem(exchange, 503, "Service Unavailable", "interrupted");
    } catch (IOException e) {
      ServiceHttp.sendProblem(
          exchange,
          502,
          "Bad Gateway",
          "the owner " + owner + " of mesh " + mesh + " did not answer");
    }
  }

  @Override
  public void close() {
    http.close();
    KafkaStreamsBinding binding = streamsMetrics;
    if (binding != null) {
      binding.close();
    }
    metrics.close();
  }
}
