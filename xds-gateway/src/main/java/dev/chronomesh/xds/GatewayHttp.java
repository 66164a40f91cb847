package dev.chronomesh.xds;

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
 * The gateway's HTTP listener: {@code /healthz} (200 while the process runs), {@code /readyz} (200
 * once the feed has caught up, else 503) and {@code /metrics} (Prometheus text format).
 */
final class GatewayHttp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayHttp.class);
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final BooleanSupplier ready;
  private final Supplier<String> metrics;

  private GatewayHttp(
      HttpServer server,
      ExecutorService executor,
      BooleanSupplier ready,
      Supplier<String> metrics) {
    this.server = server;
    this.executor = executor;
    this.ready = ready;
    this.metrics = metrics;
  }

  /**
   * Listens on {@code host:port} (0 for a free port).
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  static GatewayHttp start(String host, int port, BooleanSupplier ready, Supplier<String> metrics) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot bind the xDS gateway HTTP listener to " + host + ":" + port, e);
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2, Thread.ofPlatform().name("xds-http-", 0).daemon().factory());
    GatewayHttp http = new GatewayHttp(server, executor, ready, metrics);
    server.createContext("/", http::handle);
    server.setExecutor(executor);
    server.start();
    LOG.info("xDS gateway HTTP listening host={} port={}", host, http.port());
    return http;
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(
            exchange,
            405,
            "application/problem+json",
            problem(405, "Method Not Allowed", "only GET is served here"));
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      switch (path) {
        case "/healthz" -> send(exchange, 200, "application/json", "{\"status\":\"ok\"}");
        case "/readyz" -> {
          boolean isReady = ready.getAsBoolean();
          send(exchange, isReady ? 200 : 503, "application/json", "{\"ready\":" + isReady + "}");
        }
        case "/metrics" -> send(exchange, 200, PROMETHEUS_TEXT, metrics.get());
        default ->
            send(
                exchange,
                404,
                "application/problem+json",
                problem(404, "Not Found", "no such path: " + path));
      }
    } catch (RuntimeException e) {
      LOG.error("HTTP request failed path={}", exchange.getRequestURI(), e);
    }
  }

  private static String problem(int status, String title, String detail) {
    return "{\"type\":\"about:blank\",\"status\":"
        + status
        + ",\"title\":\""
        + title
        + "\",\"detail\":\""
        + detail.replace("\\", "\\\\").replace("\"", "\\\"")
        + "\"}";
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
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

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
