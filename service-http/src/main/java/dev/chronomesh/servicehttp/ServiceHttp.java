package dev.chronomesh.servicehttp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's own small HTTP listener (the JDK's server): {@code /healthz} (200 while the process
 * runs), {@code /readyz} (200 when ready, else 503), {@code /metrics} (Prometheus text) and, for
 * any other GET, the service's {@link Route}. Only GET and HEAD are served; errors are
 * problem+json.
 */
public final class ServiceHttp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceHttp.class);

  /** A service's own paths; answers and returns true, or returns false for "no such path". */
  @FunctionalInterface
  public interface Route {
    boolean handle(HttpExchange exchange, String path) throws IOException;
  }

  private final String name;
  private final HttpServer server;
  private final ExecutorService executor;
  private final BooleanSupplier ready;
  private final Supplier<String> metrics;
  private final Route route;

  private ServiceHttp(
      String name,
      HttpServer server,
      ExecutorService executor,
      BooleanSupplier ready,
      Supplier<String> metrics,
      Route route) {
    this.name = name;
    this.server = server;
    this.executor = executor;
    this.ready = ready;
    this.metrics = metrics;
    this.route = route;
  }

  /**
   * Listens on {@code host:port} (0 for a free port).
   *
   * @param route the service's other paths, or null for none
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static ServiceHttp start(
      String name,
      String host,
      int port,
      BooleanSupplier ready,
      Supplier<String> metrics,
      Route route) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot bind the " + name + " HTTP listener to " + host + ":" + port, e);
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2, Thread.ofPlatform().name(name + "-http-", 0).daemon().factory());
    ServiceHttp http =
        new ServiceHttp(
            name, server, executor, ready, metrics, route == null ? (e, p) -> false : route);
    server.createContext("/", http::handle);
    server.setExecutor(executor);
    server.start();
    LOG.info("HTTP listening service={} host={} port={}", name, host, http.port());
    return http;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        sendProblem(exchange, 405, "Method Not Allowed", "only GET is served here");
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      switch (path) {
        case "/healthz" -> sendJson(exchange, 200, "{\"status\":\"ok\"}");
        case "/readyz" -> {
          boolean isReady = ready.getAsBoolean();
          sendJson(exchange, isReady ? 200 : 503, "{\"ready\":" + isReady + "}");
        }
        case "/metrics" -> send(exchange, 200, ServiceMetrics.PROMETHEUS_TEXT, metrics.get());
        default -> {
          if (!route.handle(exchange, path)) {
            sendProblem(exchange, 404, "Not Found", "no such path: " + path);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.error("HTTP request failed service={} path={}", name, exchange.getRequestURI(), e);
    }
  }

  /** A JSON answer (status below 400). */
  public static void sendJson(HttpExchange exchange, int status, String json) throws IOException {
    send(exchange, status, "application/json", json);
  }

  /** An RFC 9457 problem. */
  public static void sendProblem(HttpExchange exchange, int status, String title, String detail)
      throws IOException {
    send(
        exchange,
        status,
        "application/problem+json",
        "{\"type\":\"about:blank\",\"status\":"
            + status
            + ",\"title\":"
            + quote(title)
            + ",\"detail\":"
            + quote(detail)
            + "}");
  }

  /** Any answer; a body of a status ≥ 400 should be a problem. */
  public static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /** A JSON string literal. */
  static String quote(String s) {
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

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
