package dev.chronomesh.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns java-control-plane's stream callbacks into connect, disconnect, ACK and NACK, and tells
 * every registered {@link ProxyEventListener}.
 *
 * <p>A stream is connected when its first request names a node. A request whose {@code
 * response_nonce} is the nonce of the last response of its type on the stream is an ACK (no {@code
 * error_detail}) of that response's version, or a NACK (with {@code error_detail}) of it; a request
 * repeating an already answered nonce, or naming an older one, is neither. In state of the world a
 * NACK's {@code version_info} is the version the proxy still runs, so the rejected version is taken
 * from the response the nonce names, never from the request.
 *
 * <p>It also remembers, per node and type, the version last NACKed until the next ACK of that type,
 * for {@link ProxyStatusNackGuard}. Thread-safe: requests of one stream come in order on gRPC
 * threads, responses on the executor of the watch that fired.
 */
final class AdsCallbacks implements DiscoveryServerCallbacks {
  private static final Logger LOG = LoggerFactory.getLogger(AdsCallbacks.class);

  /** When the newest event behind a version happened (null when unknown). */
  interface CauseLookup {
    Instant causedAt(String nodeId, String typeUrl, String version);
  }

  /** The node's current version of a type (fallback for delta responses without one). */
  interface VersionLookup {
    String currentVersion(String nodeId, String typeUrl);
  }

  private final List<ProxyEventListener> listeners = new CopyOnWriteArrayList<>();
  private final CauseLookup causes;
  private final VersionLookup versions;
  private final Clock clock;
  private final Map<Long, StreamState> streams = new ConcurrentHashMap<>();
  private final Map<String, String> nacked = new ConcurrentHashMap<>();

  AdsCallbacks(CauseLookup causes, VersionLookup versions, Clock clock) {
    this.causes = Objects.requireNonNull(causes, "causes");
    this.versions = Objects.requireNonNull(versions, "versions");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Registers a listener; it hears of events from now on. */
  void addListener(ProxyEventListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The version of {@code typeUrl} the node last NACKed, null when ACKed since or never. */
  String nackedVersion(String nodeId, String typeUrl) {
    return nacked.get(nacked(nodeId, typeUrl));
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    StreamState stream = stream(streamId, request.getNode(), false);
    if (stream == null || request.getResponseNonce().isEmpty()) {
      return;
    }
    String error = request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null;
    answered(stream, request.getTypeUrl(), request.getResponseNonce(), error);
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    StreamState stream = stream(streamId, request.getNode(), true);
    if (stream == null || request.getResponseNonce().isEmpty()) {
      return;
    }
    String error = request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null;
    answered(stream, request.getTypeUrl(), request.getResponseNonce(), error);
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    StreamState stream = stream(streamId, request.getNode(), false);
    if (stream != null) {
      stream.sent.put(
          response.getTypeUrl(), new Sent(response.getNonce(), response.getVersionInfo()));
    }
  }

  @Override
  public void onV3StreamDeltaResponse(
      long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    StreamState stream = stream(streamId, request.getNode(), true);
    if (stream != null) {
      String version = response.getSystemVersionInfo();
      if (version.isEmpty()) {
        version = versions.currentVersion(stream.nodeId, response.getTypeUrl());
      }
      stream.sent.put(response.getTypeUrl(), new Sent(response.getNonce(), version));
    }
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    closed(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    closed(streamId);
  }

  /**
   * The stream's state, created (and its connect told) on the first message naming a node; null
   * while no message has named one.
   */
  private StreamState stream(long streamId, Node node, boolean delta) {
    String nodeId = node.getId();
    StreamState known = streams.get(streamId);
    if (known != null || nodeId.isEmpty()) {
      return known;
    }
    StreamState created = new StreamState(nodeId);
    StreamState raced = streams.putIfAbsent(streamId, created);
    if (raced != null) {
      return raced;
    }
    tell(l -> l.nodeConnected(nodeId, streamId, node.getMetadata()), "connected", nodeId);
    tell(l -> l.connected(nodeId, streamId, delta), "connected", nodeId);
    return created;
  }

  private void answered(StreamState stream, String typeUrl, String nonce, String error) {
    Sent sent = stream.sent.get(typeUrl);
    if (sent == null || !sent.nonce().equals(nonce)) {
      // An older response or one of another stream: superseded, nothing to record. A rejection of
      // it is logged by StreamLogging.
      return;
    }
    if (sent.isAnswered() || !stream.sent.replace(typeUrl, sent, sent.answered())) {
      return;
    }
    String nodeId = stream.nodeId;
    String version = sent.version();
    if (error != null) {
      if (version != null) {
        nacked.put(nacked(nodeId, typeUrl), version);
      }
      tell(l -> l.nacked(nodeId, typeUrl, version, error), "nacked", nodeId);
      return;
    }
    nacked.remove(nacked(nodeId, typeUrl));
    Duration convergence = convergence(nodeId, typeUrl, version);
    tell(l -> l.acked(nodeId, typeUrl, version, convergence), "acked", nodeId);
  }

  private Duration convergence(String nodeId, String typeUrl, String version) {
    Instant cause;
    try {
      cause = causes.causedAt(nodeId, typeUrl, version);
    } catch (RuntimeException e) {
      LOG.warn("Looking up the causes of a version failed node={} typeUrl={}", nodeId, typeUrl, e);
      return null;
    }
    if (cause == null) {
      return null;
    }
    Duration d = Duration.between(cause, clock.instant());
    return d.isNegative() ? Duration.ZERO : d;
  }

  /**
   * The gateway refused {@code nodeId}'s client (see {@link ProxyEventListener#refused}): tells
   * every listener.
   */
  void refused(String nodeId, String reason) {
    tell(l -> l.refused(nodeId, reason), "refused", nodeId);
  }

  private void closed(long streamId) {
    StreamState stream = streams.remove(streamId);
    if (stream != null) {
      tell(l -> l.disconnected(stream.nodeId, streamId), "disconnected", stream.nodeId);
    }
  }

  private void tell(java.util.function.Consumer<ProxyEventListener> event, String what, String n) {
    for (ProxyEventListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("Proxy event listener failed event={} node={} listener={}", what, n, listener, e);
      }
    }
  }

  private static String nacked(String nodeId, String typeUrl) {
    return nodeId + '\n' + typeUrl;
  }

  /** What the gateway knows of one stream. */
  private static final class StreamState {
    final String nodeId;

    /** Type URL → the last response of that type sent on this stream. */
    final Map<String, Sent> sent = new ConcurrentHashMap<>();

    StreamState(String nodeId) {
      this.nodeId = nodeId;
    }
  }

  /** A response sent: its nonce, its version, and whether the proxy has answered it. */
  private record Sent(String nonce, String version, boolean isAnswered) {
    Sent(String nonce, String version) {
      this(nonce, version, false);
    }

    Sent answered() {
      return new Sent(nonce, version, true);
    }
  }
}
