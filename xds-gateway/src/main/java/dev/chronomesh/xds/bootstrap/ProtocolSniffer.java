package dev.chronomesh.xds.bootstrap;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Tells, from the first bytes a client sends, whether it speaks gRPC (HTTP/2) or HTTP/1.1, without
 * decrypting anything: over TLS by the ALPN protocols of its ClientHello ({@code h2}: gRPC — grpc
 * clients always offer it, and the bootstrap Chronomesh gives Envoy makes its ADS cluster offer it;
 * kuma-dp's Go HTTP client offers none), in plaintext by HTTP/2's connection preface. Pure.
 */
public final class ProtocolSniffer {
  /** Where a connection goes. */
  public enum Route {
    GRPC,
    HTTP
  }

  /** The most bytes ever needed: one TLS record of a ClientHello (2^14) and its header. */
  public static final int MAX_NEEDED = 5 + 16384;

  private static final byte[] H2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int TLS_HANDSHAKE = 0x16;
  private static final int CLIENT_HELLO = 1;
  private static final int ALPN_EXTENSION = 16;

  private ProtocolSniffer() {}

  /**
   * The route for a connection whose first {@code length} bytes are in {@code data}; empty while
   * more bytes are needed to tell. A ClientHello that cannot be parsed goes to HTTP, whose TLS
   * handshake then fails.
   */
  public static Optional<Route> classify(byte[] data, int length) {
    if (length == 0) {
      return Optional.empty();
    }
    if ((data[0] & 0xff) == TLS_HANDSHAKE) {
      return tls(data, length);
    }
    int compared = Math.min(length, H2_PREFACE.length);
    for (int i = 0; i < compared; i++) {
      if (data[i] != H2_PREFACE[i]) {
        return Optional.of(Route.HTTP);
      }
    }
    return compared == H2_PREFACE.length ? Optional.of(Route.GRPC) : Optional.empty();
  }

  private static Optional<Route> tls(byte[] data, int length) {
    if (length < 5) {
      return Optional.empty();
    }
    int recordLength = u16(data, 3);
    if (recordLength > MAX_NEEDED - 5) {
      return Optional.of(Route.HTTP);
    }
    if (length < 5 + recordLength) {
      return Optional.empty();
    }
    int end = 5 + recordLength;
    return Optional.of(offersH2(data, 5, end) ? Route.GRPC : Route.HTTP);
  }

  /** Whether the ClientHello in {@code data[start, end)} offers ALPN {@code h2}. */
  private static boolean offersH2(byte[] data, int start, int end) {
    try {
      int p = start;
      if ((data[p] & 0xff) != CLIENT_HELLO) {
        return false;
      }
      p += 4; // type, 24-bit length
      p += 2 + 32; // legacy version, random
      p += 1 + (data[p] & 0xff); // session id
      p += 2 + u16(data, p); // cipher suites
      p += 1 + (data[p] & 0xff); // compression methods
      if (p + 2 > end) {
        return false; // no extensions
      }
      int extensionsEnd = Math.min(end, p + 2 + u16(data, p));
      p += 2;
      while (p + 4 <= extensionsEnd) {
        int type = u16(data, p);
        int size = u16(data, p + 2);
        p += 4;
        if (type == ALPN_EXTENSION) {
          int listEnd = Math.min(p + 2 + u16(data, p), p + size);
          int q = p + 2;
          while (q < listEnd) {
            int n = data[q] & 0xff;
            if (n == 2 && q + 3 <= listEnd && data[q + 1] == 'h' && data[q + 2] == '2') {
              return true;
            }
            q += 1 + n;
          }
          return false;
        }
        p += size;
      }
      return false;
    } catch (ArrayIndexOutOfBoundsException e) {
      return false; // truncated or malformed: not a gRPC client's hello
    }
  }

  private static int u16(byte[] data, int at) {
    return ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff);
  }
}
