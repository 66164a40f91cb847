package dev.chronomesh.xds.bootstrap;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kuma-dp's bootstrap endpoint: the JDK's HTTP server (HTTPS with the gateway's own certificate
 * when the gateway serves TLS) on a free loopback port, behind the {@link PortDemultiplexer}.
 * Serves {@code POST /bootstrap} through a {@link BootstrapHandler}; any other path is 404, any
 * other method 405. Bodies over {@link #MAX_BODY} bytes are refused.
 */
public final class BootstrapServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BootstrapServer.class);

  /** The largest request accepted: a Dataplane and its token fit many times over. */
  static final int MAX_BODY = 1 << 20;

  private final HttpServer server;
  private final ExecutorService executor;

  private BootstrapServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts on a free loopback port.
   *
   * @param tls the gateway's TLS, or null for plaintext
   * @throws UncheckedIOException when no port can be bound
   */
  public static BootstrapServer start(BootstrapHandler handler, SSLContext tls) {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    HttpServer server;
    try {
      if (tls != null) {
        HttpsServer https = HttpsServer.create(address, 64);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        server = https;
      } else {
        server = HttpServer.create(address, 64);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the bootstrap server", e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", exchange -> serve(handler, exchange));
    server.start();
    return new BootstrapServer(server, executor);
  }

  /** Where the demultiplexer sends HTTP connections. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void serve(BootstrapHandler handler, HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!"/bootstrap".equals(path)) {
        send(exchange, BootstrapHandler.Answer.text(404, "no such path: " + path));
        return;
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "POST");
        send(exchange, BootstrapHandler.Answer.text(405, "use POST"));
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(MAX_BODY + 1);
      }
      if (body.length > MAX_BODY) {
        send(
            exchange,
            BootstrapHandler.Answer.text(413, "the request is larger than " + MAX_BODY + " bytes"));
        return;
      }
      String accept = exchange.getRequestHeaders().getFirst("Accept");
      BootstrapHandler.Answer answer =
          handler.answer(
              body,
              exchange.getRequestHeaders().getFirst("Host"),
              accept != null && accept.contains("application/json"));
      if (answer.status() == 200) {
        exchange.getResponseHeaders().set(BootstrapHandler.VERSION_HEADER, "3");
      } else {
        LOG.info(
            "Bootstrap refused status={} reason={}",
            answer.status(),
            new String(answer.body(), StandardCharsets.UTF_8));
      }
      send(exchange, answer);
    } catch (RuntimeException e) {
      LOG.error("Bootstrap request failed", e);
      throw e;
    }
  }

  private static void send(HttpExchange exchange, BootstrapHandler.Answer answer)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", answer.contentType());
    byte[] body = answer.body();
    exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
