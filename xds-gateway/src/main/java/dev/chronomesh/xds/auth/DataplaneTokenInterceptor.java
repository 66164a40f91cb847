package dev.chronomesh.xds.auth;

import com.google.protobuf.Struct;
import dev.chronomesh.auth.DataplaneClaims;
import dev.chronomesh.events.Keys;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.xds.lifecycle.CarriedDataplane;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.health.v3.HealthCheckRequestOrEndpointHealthResponse;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates ADS (and HDS) streams with the dataplane token in the {@code authorization}
 * metadata. The node id only arrives with the first discovery request (an HDS stream's first
 * health-check request), so the stream is held until then: the first request's node id is checked
 * against the token before anything reaches java-control-plane, which never sees a refused stream.
 * A refused stream is closed with {@code UNAUTHENTICATED} and a description of the reason (never
 * the token).
 *
 * <p>Later requests that carry a node id must carry the same one, and a token revoked while its
 * stream is open closes the stream at its next request. Checks run on the call's executor and only
 * read memory ({@link MeshKeys}); nothing blocks.
 */
public final class DataplaneTokenInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(DataplaneTokenInterceptor.class);

  /** Where Envoy (Kuma bootstrap: ads grpc_service initial_metadata) and clients put the token. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final DataplaneAuthenticator authenticator;

  public DataplaneTokenInterceptor(MeshKeys keys, Clock clock) {
    this.authenticator = new DataplaneAuthenticator(keys, clock);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Gate<Q, R> gate = new Gate<>(call, headers, next, headers.get(AUTHORIZATION));
    call.request(1); // the first request, which names the node
    return gate;
  }

  /** The node id of a discovery (or HDS) request; empty when it carries none. */
  static String nodeId(Object request) {
    return node(request).getId();
  }

  /**
   * The node a request names: an ADS discovery request's, or the health-check request that opens an
   * HDS stream; the empty node for anything else (an HDS health report).
   */
  private static Node node(Object request) {
    if (request instanceof DiscoveryRequest sotw) {
      return sotw.getNode();
    }
    if (request instanceof DeltaDiscoveryRequest delta) {
      return delta.getNode();
    }
    if (request instanceof HealthCheckRequestOrEndpointHealthResponse hds
        && hds.hasHealthCheckRequest()) {
      return hds.getHealthCheckRequest().getNode();
    }
    return Node.getDefaultInstance();
  }

  /**
   * The tags of the Dataplane the node carries in its metadata (kuma-dp's), which the token must
   * allow; null when it carries none (the registered dataplane's tags are checked then).
   */
  static Map<String, Set<String>> carriedTags(Object request, String nodeId)
      throws ValidationException {
    Struct metadata = node(request).getMetadata();
    Keys.MeshAnd parsed = Keys.parseProxy(nodeId).orElse(null);
    if (parsed == null) {
      return null; // the authenticator refuses the node id itself
    }
    return CarriedDataplane.fromMetadata(metadata, parsed.mesh(), parsed.rest())
        .map(MeshKeys::tagsOf)
        .orElse(null);
  }

  /**
   * Holds the call until its first request is authenticated, then starts java-control-plane's
   * handler and forwards. Listener methods are serialized by gRPC; the call wrapper is also used by
   * java-control-plane's threads, hence its lock.
   */
  private final class Gate<Q, R> extends ServerCall.Listener<Q> {
    private final ServerCall<Q, R> call;
    private final Metadata headers;
    private final ServerCallHandler<Q, R> next;
    private final String authorization;
    private final Guarded<Q, R> guarded;
    private ServerCall.Listener<Q> delegate;
    private DataplaneClaims claims;
    private String nodeId;
    private boolean ended;

    Gate(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, String auth) {
      this.call = call;
      this.headers = headers;
      this.next = next;
      this.authorization = auth;
      this.guarded = new Guarded<>(call);
    }

    @Override
    public void onMessage(Q message) {
      if (ended) {
        return;
      }
      String node = nodeId(message);
      if (delegate == null) {
        if (node.isEmpty()) {
          refuse(null, "the first discovery request carries no node id; it must name the node");
          return;
        }
        Map<String, Set<String>> carriedTags;
        try {
          carriedTags = carriedTags(message, node);
        } catch (ValidationException e) {
          refuse(
              node,
              "the Dataplane in the node metadata ("
                  + CarriedDataplane.METADATA_KEY
                  + ") is invalid: "
                  + e.getMessage());
          return;
        }
        try {
          claims = authenticator.authenticate(authorization, node, carriedTags);
        } catch (DataplaneAuthenticator.Refused e) {
          refuse(node, e.getMessage());
          return;
        }
        nodeId = node;
        LOG.info(
            "Dataplane authenticated node={} tokenId={} expiresAt={} peer={}",
            node,
            claims.tokenId(),
            claims.expiresAt(),
            peer());
        delegate = next.startCall(guarded, headers);
        if (call.isReady()) {
          delegate.onReady();
        }
        delegate.onMessage(message);
        return;
      }
      if (!node.isEmpty() && !node.equals(nodeId)) {
        refuse(
            node,
            "node id changed on the stream from "
                + nodeId
                + " to "
                + node
                + "; a stream serves the one node its token was checked for");
        return;
      }
      if (authenticator.isRevoked(claims)) {
        refuse(
            nodeId,
            "dataplane token refused for node "
                + nodeId
                + ": token "
                + claims.tokenId()
                + " is revoked");
        return;
      }
      delegate.onMessage(message);
    }

    private void refuse(String node, String reason) {
      LOG.warn(
          "Refused stream method={} node={} peer={}: {}",
          call.getMethodDescriptor().getBareMethodName(),
          node,
          peer(),
          reason);
      ended = true;
      guarded.closeAsRefused(Status.UNAUTHENTICATED.withDescription(reason));
      if (delegate != null) {
        // Let java-control-plane drop its watches as for a cancelled stream; its own attempts
        // to close or answer the call are swallowed by the guard.
        delegate.onCancel();
      }
    }

    private Object peer() {
      return call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    }

    @Override
    public void onHalfClose() {
      if (ended) {
        return;
      }
      if (delegate == null) {
        refuse(null, "the stream ended before its first discovery request");
        return;
      }
      delegate.onHalfClose();
    }

    @Override
    public void onCancel() {
      boolean wasEnded = ended;
      ended = true;
      if (delegate != null && !wasEnded) {
        delegate.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (delegate != null && !guarded.refused()) {
        delegate.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (delegate != null && !ended) {
        delegate.onReady();
      }
    }
  }

  /**
   * The call as java-control-plane sees it: its first {@code request(1)} is swallowed (the gate
   * already asked for and forwards the first message), and once the gate has refused the stream
   * nothing more is sent or closed.
   */
  private static final class Guarded<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final Object lock = new Object();
    private boolean swallowedFirstRequest;
    private boolean closed;
    private boolean refused;

    Guarded(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public void request(int numMessages) {
      int n = numMessages;
      synchronized (lock) {
        if (!swallowedFirstRequest && n > 0) {
          swallowedFirstRequest = true;
          n--;
        }
      }
      if (n > 0) {
        super.request(n);
      }
    }

    @Override
    public void sendMessage(R message) {
      synchronized (lock) {
        if (!closed) {
          super.sendMessage(message);
        }
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (lock) {
        if (!closed) {
          closed = true;
          super.close(status, trailers);
        }
      }
    }

    void closeAsRefused(Status status) {
      synchronized (lock) {
        refused = true;
        if (!closed) {
          closed = true;
          super.close(Objects.requireNonNull(status, "status"), new Metadata());
        }
      }
    }

    boolean refused() {
      synchronized (lock) {
        return refused;
      }
    }
  }
}
