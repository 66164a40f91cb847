package dev.chronomesh.it;

import dev.chronomesh.launcher.ChronomeshStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.Testcontainers;
import org.testcontainers.containers.Network;

/**
 * What every real-Envoy test runs on: the whole stack on loopback with its xDS port over TLS (a
 * certificate of the control-plane CA, as {@code up} serves it), Testcontainers' tunnel from
 * containers to that port, and one Docker network. Closes what was added to it, then the network
 * and the stack.
 */
final class EnvoyTestbed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EnvoyTestbed.class);

  /** The name Testcontainers gives the host inside containers. */
  private static final String TUNNEL_HOST = "host.testcontainers.internal";

  final ChronomeshStack stack;
  final Rest admin;
  final EnvoyBootstrap.Gateway gateway;
  final Network network;

  /** Closed most recent first, the stack last. */
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  private final List<SidecarPair> pairs = new ArrayList<>();

  private EnvoyTestbed(
      ChronomeshStack stack, Rest admin, EnvoyBootstrap.Gateway gateway, Network network) {
    this.stack = stack;
    this.admin = admin;
    this.gateway = gateway;
    this.network = network;
    resources.push(stack);
    resources.push(network);
  }

  /** Starts the stack and opens the tunnel to its xDS port, before any container is created. */
  @SuppressWarnings("resource") // closed by close(), or here on a failure
  static EnvoyTestbed start(Path dataDir) throws IOException {
    ChronomeshStack stack = LoopbackStack.startWithTlsXds(dataDir);
    try {
      String xds = stack.xdsAddress();
      int port = Integer.parseInt(xds.substring(xds.lastIndexOf(':') + 1));
      // Containers created after this reach the port as TUNNEL_HOST:port (Testcontainers writes the
      // name into their /etc/hosts); the tunnel ends at localhost:port on this host.
      Testcontainers.exposeHostPorts(port);
      EnvoyBootstrap.Gateway gateway =
          new EnvoyBootstrap.Gateway(
              TUNNEL_HOST,
              port,
              Files.readString(stack.controlPlaneCa(), StandardCharsets.US_ASCII));
      return new EnvoyTestbed(
          stack, new Rest(stack.apiUrl(), stack.adminToken()), gateway, Network.newNetwork());
    } catch (IOException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /** Closes {@code resource} with the testbed, before everything added earlier. */
  <T extends AutoCloseable> T add(T resource) {
    resources.push(resource);
    return resource;
  }

  /** Starts web and backend of {@code mesh} (which exists, with mTLS) as {@link SidecarPair}. */
  SidecarPair sidecarPair(String mesh) {
    SidecarPair pair = add(SidecarPair.start(admin, network, gateway, mesh));
    pairs.add(pair);
    return pair;
  }

  /** Every pair's Envoy stats and config, for a failure message. */
  String diagnostics() {
    StringBuilder out = new StringBuilder();
    for (SidecarPair pair : pairs) {
      out.append("mesh ").append(pair.mesh).append(":\n").append(pair.diagnostics()).append('\n');
    }
    return out.toString();
  }

  /** A watcher that logs the testbed's {@link #diagnostics} when a test fails. */
  static TestWatcher diagnosticsOnFailure(Supplier<EnvoyTestbed> testbed) {
    return new TestWatcher() {
      @Override
      public void testFailed(ExtensionContext context, Throwable cause) {
        EnvoyTestbed current = testbed.get();
        if (current != null) {
          LOG.error("{} failed; {}", context.getDisplayName(), current.diagnostics());
        }
      }
    };
  }

  @Override
  public void close() {
    closeAll(resources);
  }

  /** Closes each in turn, most recent first, logging what fails to close. */
  static void closeAll(Deque<? extends AutoCloseable> closeables) {
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed", c, e);
      }
    }
  }
}
