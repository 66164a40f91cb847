package dev.chronomesh.launcher;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checks that every port of {@link UpPort} can be bound before {@code up} starts anything, and
 * explains a bind failure that happens later anyway (another process took the port meanwhile) the
 * same way, as a {@link StartRefusedException} naming the port and its option.
 */
final class PortCheck {
  private PortCheck() {}

  /**
   * Binds and closes each configured port (0 needs no check) on the address its service will use.
   *
   * <p>This runs before the broker starts: Kafka logs a bind failure three times with its stack
   * trace, and halts the JVM when its controller port is taken, so the check is the only place that
   * failure can be told in one line.
   *
   * @throws StartRefusedException naming the first port that cannot be bound and its option
   */
  static void requireFree(ChronomeshStack.Settings settings) {
    Map<Integer, UpPort> seen = new HashMap<>();
    for (UpPort p : UpPort.values()) {
      int port = p.port(settings);
      if (port < 0 || port > 65535) {
        throw new StartRefusedException(
            p.option() + " must be a port from 0 to 65535 (0 picks a free one), got " + port);
      }
      if (port == 0) {
        continue;
      }
      UpPort other = seen.putIfAbsent(port, p);
      if (other != null) {
        throw new StartRefusedException(
            other.option()
                + " and "
                + p.option()
                + " are both "
                + port
                + "; give each its own port (0 picks a free one)");
      }
    }
    Optional<StartRefusedException> refused = firstUnavailable(settings);
    if (refused.isPresent()) {
      throw refused.get();
    }
  }

  /**
   * What to throw for a start that failed: when a bind failure is among its causes, and a port is
   * still taken now that everything {@code up} started is closed, the same refusal as {@link
   * #requireFree} (with the failure as its cause); otherwise the failure itself.
   */
  static RuntimeException explain(RuntimeException failure, ChronomeshStack.Settings settings) {
    if (!causedByBind(failure)) {
      return failure;
    }
    return firstUnavailable(settings)
        .<RuntimeException>map(refused -> new StartRefusedException(refused.getMessage(), failure))
        .orElse(failure);
  }

  /** Whether a bind failure is among the causes (netty's own exception is no BindException). */
  private static boolean causedByBind(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  private static Optional<StartRefusedException> firstUnavailable(
      ChronomeshStack.Settings settings) {
    for (UpPort p : UpPort.values()) {
      Optional<StartRefusedException> refused = unavailable(p, settings);
      if (refused.isPresent()) {
        return refused;
      }
    }
    return Optional.empty();
  }

  /** Why {@code p} cannot be bound under these settings, if it cannot. */
  private static Optional<StartRefusedException> unavailable(
      UpPort p, ChronomeshStack.Settings settings) {
    int port = p.port(settings);
    if (port == 0) {
      return Optional.empty();
    }
    String host = p.host(settings);
    String reason = bindFailure(host, port);
    if (reason == null) {
      return Optional.empty();
    }
    if (p.onHost() && bindFailure(host, 0) != null) {
      // Not the port: this machine has no such address.
      return Optional.of(
          new StartRefusedException(
              "cannot listen on "
                  + host
                  + " ("
                  + reason
                  + "); pass --host with an address of this machine"));
    }
    String what =
        reason.contains("in use") ? "is already in use" : "cannot be opened (" + reason + ")";
    return Optional.of(
        new StartRefusedException(
            "port "
                + port
                + " ("
                + p.label()
                + ") "
                + what
                + "; pass "
                + p.option()
                + " PORT (0 picks a free one)"));
  }

  /** Null when {@code host:port} can be bound (and was released again), else the reason. */
  private static String bindFailure(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(host, port));
      return null;
    } catch (IOException e) {
      return e.getMessage() == null ? e.toString() : e.getMessage();
    }
  }
}
