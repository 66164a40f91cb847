package dev.chronomesh.xds;

import com.google.protobuf.Struct;
import java.time.Duration;

/**
 * What happens on the gateway's ADS streams, told to whoever records it (the proxy-status
 * publisher, the metrics). Called on gRPC threads: implementations are thread-safe, fast and never
 * throw. {@code nodeId} is {@code <mesh>.<dataplane>}; {@code typeUrl} an xDS type URL.
 */
public interface ProxyEventListener {
  /**
   * The first request of stream {@code streamId} named {@code nodeId} with {@code metadata} (the
   * node's metadata, as its bootstrap set it); told just before {@link #connected}.
   */
  default void nodeConnected(String nodeId, long streamId, Struct metadata) {}

  /**
   * A stream opened for {@code nodeId} ({@code delta}: incremental xDS, else state of the world).
   */
  default void connected(String nodeId, long streamId, boolean delta) {}

  /** The stream closed, normally or not. */
  default void disconnected(String nodeId, long streamId) {}

  /**
   * The proxy acknowledged {@code version} of {@code typeUrl}.
   *
   * @param convergence time from the newest event that caused this version to this ACK; null when
   *     the gateway does not know the version's causes
   */
  default void acked(String nodeId, String typeUrl, String version, Duration convergence) {}

  /** The proxy rejected {@code version} of {@code typeUrl} with {@code error}. */
  default void nacked(String nodeId, String typeUrl, String version, String error) {}

  /**
   * The gateway refused {@code nodeId}'s client: it cannot use the node's config (a proxyless gRPC
   * client for an Envoy sidecar's config, or the reverse); {@code reason} says what to change. A
   * stream refused when it opened is told neither connected nor disconnected; streams refused when
   * the config arrived while they waited were told connected, and are told disconnected next.
   */
  default void refused(String nodeId, String reason) {}
}
