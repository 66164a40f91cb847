package dev.chronomesh.xds.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the gateway's public port and hands each connection, unread, to the gRPC server or to the
 * bootstrap server (both on loopback), as {@link ProtocolSniffer} routes it: kuma-dp reaches {@code
 * POST /bootstrap} and Envoy its ADS stream at the one address Kuma users give ({@code
 * --cp-address=https://host:5678}). TLS is not terminated here: the bytes are relayed as they come,
 * so each server keeps its own TLS. One virtual thread per direction of a connection.
 *
 * <p>The backends see the connection as coming from loopback.
 */
public final class PortDemultiplexer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PortDemultiplexer.class);

  /** How long a new connection may take to send enough bytes to be routed. */
  static final int SNIFF_TIMEOUT_MILLIS = 10_000;

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  /**
   * The first read's buffer: a ClientHello fits (about 0.5–2 KB); it grows, up to {@link
   * ProtocolSniffer#MAX_NEEDED}, only for a larger one.
   */
  private static final int FIRST_READ = 2048;

  /**
   * Each direction's buffer while the connection is quiet. Every open connection holds two, so they
   * are small (measured: fixed 16 KB buffers cost 55 KB of heap per connection).
   */
  static final int QUIET_BUFFER = 4 * 1024;

  /**
   * The buffer while data streams (a read filled the quiet one): config pushes go through in few
   * reads (measured: fixed 8 KB buffers cost 50% more CPU per push on mesh-wide changes). Dropped
   * when a read no longer fills it.
   */
  static final int BURST_BUFFER = 64 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress grpc;
  private final InetSocketAddress http;
  private final ThreadFactory threads = Thread.ofVirtual().name("xds-port-", 0).factory();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread acceptor;

  private PortDemultiplexer(ServerSocket server, InetSocketAddress grpc, InetSocketAddress http) {
    this.server = server;
    this.grpc = grpc;
    this.http = http;
    this.acceptor = Thread.ofPlatform().name("xds-port-accept").daemon().unstarted(this::accept);
  }

  /**
   * Binds {@code bind} (port 0: a free one) and starts routing to {@code grpc} and {@code http}.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static PortDemultiplexer start(
      InetSocketAddress bind, InetSocketAddress grpc, InetSocketAddress http) {
    ServerSocket server;
    try {
      server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(bind, 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the xDS port " + bind, e);
    }
    PortDemultiplexer demux = new PortDemultiplexer(server, grpc, http);
    demux.acceptor.start();
    return demux;
  }

  /** The bound port. */
  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!closed.get()) {
      try {
        Socket client = server.accept();
        open.add(client);
        threads.newThread(() -> serve(client)).start();
      } catch (IOException e) {
        if (!closed.get()) {
          LOG.warn("Accepting on the xDS port failed: {}", e.toString());
        }
      }
    }
  }

  private void serve(Socket client) {
    Socket backend = null;
    try {
      client.setTcpNoDelay(true);
      client.setSoTimeout(SNIFF_TIMEOUT_MILLIS);
      InputStream in = client.getInputStream();
      byte[] first = new byte[FIRST_READ];
      int length = 0;
      Optional<ProtocolSniffer.Route> route = Optional.empty();
      while (route.isEmpty()) {
        if (length == first.length) {
          if (first.length == ProtocolSniffer.MAX_NEEDED) {
            route = Optional.of(ProtocolSniffer.Route.HTTP);
            break;
          }
          first = Arrays.copyOf(first, Math.min(first.length * 2, ProtocolSniffer.MAX_NEEDED));
        }
        int n = in.read(first, length, first.length - length);
        if (n < 0) {
          return; // closed before saying anything
        }
        length += n;
        route = ProtocolSniffer.classify(first, length);
      }
      client.setSoTimeout(0);
      boolean toGrpc = route.get() == ProtocolSniffer.Route.GRPC;
      backend = new Socket();
      open.add(backend);
      backend.setTcpNoDelay(true);
      backend.connect(toGrpc ? grpc : http, CONNECT_TIMEOUT_MILLIS);
      backend.getOutputStream().write(first, 0, length);
      first = null; // not held for the connection's life
      Socket from = backend;
      Thread back = threads.newThread(() -> pump(from, client));
      back.start();
      pump(client, backend);
      back.join();
    } catch (SocketTimeoutException e) {
      LOG.debug("A connection to the xDS port sent too little to be routed; closed");
    } catch (IOException e) {
      LOG.debug("A connection to the xDS port failed: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close(client);
      if (backend != null) {
        close(backend);
      }
    }
  }

  /** Copies {@code from} to {@code to} until the end, then half-closes {@code to}. */
  private void pump(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] quiet = new byte[QUIET_BUFFER];
      byte[] buffer = quiet;
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        if (n == buffer.length && buffer == quiet) {
          buffer = new byte[BURST_BUFFER]; // more is coming at once
        } else if (n < buffer.length && buffer != quiet) {
          buffer = quiet; // the burst is over: hold only the small one while waiting
        }
      }
      to.shutdownOutput();
    } catch (SocketException e) {
      // Reset or closed on the other side: end both directions.
      close(from);
      close(to);
    } catch (IOException e) {
      close(from);
      close(to);
    }
  }

  private void close(Socket socket) {
    open.remove(socket);
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Stops accepting and closes every relayed connection. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket socket : Set.copyOf(open)) {
      close(socket);
    }
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
