package dev.chronomesh.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/** Free loopback ports chosen at run time (tests and the embedded broker's port 0). */
public final class FreePorts {
  private FreePorts() {}

  /** How many ports handed out last are remembered, and never handed out again meanwhile. */
  private static final int REMEMBERED = 1024;

  private static final int ATTEMPTS = 100;

  /** The ports handed out last by this JVM, oldest first (guarded by the class). */
  private static final Set<Integer> recent = new LinkedHashSet<>();

  /**
   * A port that was free on 127.0.0.1 a moment ago, and not one of the last ports this method
   * returned: the OS may offer a just-closed port again at once, and two ports chosen one after the
   * other (a broker's listener and its controller's) must differ even before either is bound.
   */
  public static synchronized int next() {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = bindAndRelease();
      if (recent.add(port)) {
        if (recent.size() > REMEMBERED) {
          Iterator<Integer> oldest = recent.iterator();
          oldest.next();
          oldest.remove();
        }
        return port;
      }
    }
    throw new IllegalStateException(
        "no loopback port other than the last "
            + REMEMBERED
            + " handed out, in "
            + ATTEMPTS
            + " attempts");
  }

  private static int bindAndRelease() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}
