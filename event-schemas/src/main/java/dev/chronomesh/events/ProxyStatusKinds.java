package dev.chronomesh.events;

/**
 * The values of {@code ProxyStatusEvent.kind} (a string in the schema, so that a new kind is not a
 * breaking change for old readers): what a gateway says of a proxy's stream.
 */
public final class ProxyStatusKinds {
  private ProxyStatusKinds() {}

  /** A stream of the proxy opened on a gateway. */
  public static final String CONNECTED = "CONNECTED";

  /** The proxy's stream ended. */
  public static final String DISCONNECTED = "DISCONNECTED";

  /** The proxy accepted a response ({@code typeUrl}, {@code version}, convergence). */
  public static final String ACK = "ACK";

  /** The proxy rejected a response ({@code error} is Envoy's reason). */
  public static final String NACK = "NACK";

  /** The gateway refused the proxy's client: it cannot use the config ({@code error} says why). */
  public static final String REFUSED = "REFUSED";
}
