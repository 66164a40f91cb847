package dev.chronomesh.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.IntSupplier;

/** Free loopback ports chosen at run time (tests and the embedded broker's port 0). */
public final class FreePorts {
  private FreePorts() {}

  /** How many ports handed out last are remembered, and never handed out again meanwhile. */
  private static final int REMEMBERED = 1024;

  private static final Picker PICKER = new Picker(REMEMBERED, FreePorts::bindAndRelease);

  /**
   * A port that was free on 127.0.0.1 a moment ago, and not one of the last ports this method
   * returned: the OS may offer a just-closed port again at once, and two ports chosen one after the
   * other (a broker's listener and its controller's) must differ even before either is bound.
   */
  public static int next() {
    return PICKER.next();
  }

  /** Asks {@code bind} for ports until one is not among the last {@code remembered} handed out. */
  static final class Picker {
    private static final int ATTEMPTS = 100;

    private final int remembered;
    private final IntSupplier bind;

    /** The ports handed out last, oldest first. */
    private final Set<Integer> recent = new LinkedHashSet<>();

    Picker(int remembered, IntSupplier bind) {
      this.remembered = remembered;
      this.bind = bind;
    }

    synchronized int next() {
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        int port = bind.getAsInt();
        if (recent.add(port)) {
          if (recent.size() > remembered) {
            Iterator<Integer> oldest = recent.iterator();
            oldest.next();
            oldest.remove();
          }
          return port;
        }
      }
      throw new IllegalStateException(
          "no loopback port other than the last "
              + remembered
              + " handed out, in "
              + ATTEMPTS
              + " attempts");
    }
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
