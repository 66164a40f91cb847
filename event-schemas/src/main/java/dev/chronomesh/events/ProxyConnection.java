package dev.chronomesh.events;

import dev.chronomesh.events.avro.ProxyStatusEvent;
import java.time.Instant;
import java.util.Objects;

/**
 * Whether a proxy's stream is open, as the gateways' proxy-status events tell it: the last {@code
 * CONNECTED} wins, and a {@code DISCONNECTED} counts only when it closes that stream (same gateway,
 * same stream id when both name one), so a proxy that moved to another gateway stays connected when
 * the old gateway reports the old stream's end late. Pure.
 *
 * @param connected whether a stream is open
 * @param gateway the gateway of the last stream
 * @param streamId that stream's id on its gateway; null when not reported
 * @param connectedAt when it opened
 * @param disconnectedAt when it closed; null while open
 */
public record ProxyConnection(
    boolean connected, String gateway, Long streamId, Instant connectedAt, Instant disconnectedAt) {
  /** Nothing known: never connected. */
  public static final ProxyConnection NONE = new ProxyConnection(false, null, null, null, null);

  /** This state after {@code event}; events of other kinds change nothing. */
  public ProxyConnection apply(ProxyStatusEvent event) {
    return switch (event.getKind()) {
      case ProxyStatusKinds.CONNECTED ->
          new ProxyConnection(true, event.getGateway(), event.getStreamId(), event.getAt(), null);
      case ProxyStatusKinds.DISCONNECTED ->
          closes(event)
              ? new ProxyConnection(false, gateway, streamId, connectedAt, event.getAt())
              : this;
      default -> this;
    };
  }

  /** Whether {@code event} (a DISCONNECTED) ends the stream this state knows. */
  public boolean closes(ProxyStatusEvent event) {
    return Objects.equals(event.getGateway(), gateway)
        && (event.getStreamId() == null || Objects.equals(event.getStreamId(), streamId));
  }
}
