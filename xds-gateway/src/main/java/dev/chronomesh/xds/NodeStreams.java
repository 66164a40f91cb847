package dev.chronomesh.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ADS streams of each node, innermost on the ADS service: opens a node's stream at its first
 * request that names the node, before java-control-plane sees that request (so the node's snapshot
 * is set before the stream's first watch), and closes it when the call ends. A stream whose client
 * cannot use its node's config ({@link Gate#opened}) is refused before java-control-plane sees it,
 * as the dataplane-token check refuses; and since java-control-plane has no handle on a stream, the
 * streams of a node are also refused from outside when a config arrives that the client waiting for
 * it cannot use ({@link #refuse}). A refused call is closed with FAILED_PRECONDITION and the
 * reason, and java-control-plane is told it was cancelled, so it lets go of the stream (its
 * watches, its close callbacks) as when a client goes.
 *
 * <p>Threads: gRPC delivers a call's listener events one at a time, java-control-plane sends from
 * any thread, a refusal from outside comes from the feed thread. Each call guards its outbound
 * methods with one lock and its listener events with another and never holds the outbound one while
 * calling out, so a refusal cannot deadlock with a request being handled (which may publish a
 * snapshot, hence send) nor with a send.
 */
final class NodeStreams implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStreams.class);

  /** Told when a node's stream opens and closes: activates and deactivates nodes. */
  interface Gate {
    /**
     * A stream of {@code nodeId} opened with {@code client}; returns why it is refused, null when
     * it is served. Runs before java-control-plane handles the stream's first request.
     */
    String opened(String nodeId, ProxyClient client);

    /** A stream {@link #opened} without refusal ended. */
    void closed(String nodeId);
  }

  /** Hears of every refusal, with the node and the reason (the status and metrics). */
  interface Refused {
    void refused(String nodeId, String reason);
  }

  private final Gate gate;
  private final Refused refused;

  /**
   * Node id → its open streams (from their first request naming it until they end); immutable
   * lists, replaced on change: a node has one stream but for a moment.
   */
  private final Map<String, List<NodeStream<?, ?>>> byNode = new ConcurrentHashMap<>();

  NodeStreams(Gate gate, Refused refused) {
    this.gate = Objects.requireNonNull(gate, "gate");
    this.refused = Objects.requireNonNull(refused, "refused");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    NodeStream<Q, R> stream = new NodeStream<>(call);
    return stream.start(next.startCall(stream, headers));
  }

  /**
   * Refuses every open stream of {@code nodeId}: tells {@link Refused}, then closes them with
   * FAILED_PRECONDITION and {@code reason}. Returns how many there were.
   */
  int refuse(String nodeId, String reason) {
    List<NodeStream<?, ?>> streams = byNode.get(nodeId);
    if (streams == null) {
      return 0;
    }
    LOG.warn("Refusing the streams of node={}: {}", nodeId, reason);
    refused.refused(nodeId, reason);
    int closed = 0;
    for (NodeStream<?, ?> stream : streams) {
      if (stream.refuse(Status.FAILED_PRECONDITION.withDescription(reason))) {
        closed++;
      }
    }
    return closed;
  }

  /** How many open streams of the node there are. */
  int open(String nodeId) {
    List<NodeStream<?, ?>> streams = byNode.get(nodeId);
    return streams == null ? 0 : streams.size();
  }

  private static List<NodeStream<?, ?>> concat(List<NodeStream<?, ?>> a, List<NodeStream<?, ?>> b) {
    List<NodeStream<?, ?>> both = new ArrayList<>(a);
    both.addAll(b);
    return List.copyOf(both);
  }

  /** The list without {@code stream}; null (no entry) when nothing is left. */
  private static List<NodeStream<?, ?>> without(
      List<NodeStream<?, ?>> streams, NodeStream<?, ?> stream) {
    List<NodeStream<?, ?>> rest = new ArrayList<>(streams);
    rest.remove(stream);
    return rest.isEmpty() ? null : List.copyOf(rest);
  }

  private static Node node(Object request) {
    if (request instanceof DiscoveryRequest r) {
      return r.getNode();
    }
    if (request instanceof DeltaDiscoveryRequest r) {
      return r.getNode();
    }
    return Node.getDefaultInstance();
  }

  /** One ADS call: its node once known, and a way to close it from outside. */
  private final class NodeStream<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final Object outbound = new Object();
    private final Object inbound = new Object();

    /** Guarded by {@link #outbound}: the call was closed (by java-control-plane or a refusal). */
    private boolean closed;

    /**
     * Set before a refusal closes the call: gRPC then reports the call complete, which
     * java-control-plane must hear as a cancel to let go of the stream.
     */
    private volatile boolean closedByRefusal;

    /** Guarded by {@link #inbound}: java-control-plane heard the call end; it hears no more. */
    private boolean ended;

    /** Guarded by {@link #inbound}: java-control-plane's listener of the call. */
    private ServerCall.Listener<Q> listener;

    /** Guarded by {@link #inbound}: the node, once the gate let its stream open. */
    private String nodeId;

    NodeStream(ServerCall<Q, R> call) {
      super(call);
    }

    ServerCall.Listener<Q> start(ServerCall.Listener<Q> delegate) {
      synchronized (inbound) {
        this.listener = delegate;
      }
      return new ForwardingServerCallListener<>() {
        @Override
        protected ServerCall.Listener<Q> delegate() {
          return listener;
        }

        @Override
        public void onMessage(Q message) {
          synchronized (inbound) {
            if (ended || (nodeId == null && !open(node(message)))) {
              return;
            }
            listener.onMessage(message);
          }
        }

        @Override
        public void onHalfClose() {
          synchronized (inbound) {
            if (!ended) {
              listener.onHalfClose();
            }
          }
        }

        @Override
        public void onCancel() {
          end(true);
        }

        @Override
        public void onComplete() {
          end(false);
        }

        @Override
        public void onReady() {
          synchronized (inbound) {
            if (!ended) {
              listener.onReady();
            }
          }
        }
      };
    }

    /**
     * The first request naming a node: asks the gate. Returns false when the stream was refused
     * (closed; java-control-plane told it ended). A request naming no node opens nothing.
     */
    private boolean open(Node node) {
      String id = node.getId();
      if (id.isEmpty()) {
        return true;
      }
      String refusal = gate.opened(id, ProxyClient.of(node));
      if (refusal != null) {
        LOG.warn("Refused stream node={}: {}", id, refusal);
        NodeStreams.this.refused.refused(id, refusal);
        refuse(Status.FAILED_PRECONDITION.withDescription(refusal));
        return false;
      }
      nodeId = id;
      byNode.merge(id, List.of(this), NodeStreams::concat);
      return true;
    }

    /** The call is over (gRPC says so, or a refusal did): java-control-plane and the gate hear. */
    private void end(boolean cancelled) {
      String opened;
      synchronized (inbound) {
        if (ended) {
          return;
        }
        ended = true;
        opened = nodeId;
        if (cancelled || closedByRefusal) {
          listener.onCancel();
        } else {
          listener.onComplete();
        }
      }
      if (opened != null) {
        byNode.computeIfPresent(opened, (k, streams) -> without(streams, this));
        gate.closed(opened);
      }
    }

    /** Closes the call with {@code status} unless it is closed already; true when it closed it. */
    boolean refuse(Status status) {
      synchronized (outbound) {
        if (closed) {
          return false;
        }
        closed = true;
        closedByRefusal = true;
        super.close(status, new Metadata());
      }
      // As if the client had gone: java-control-plane cancels its watches and runs its close
      // callbacks (the gateway's disconnect); its own close of the call is then ignored. (gRPC may
      // report the closed call complete first, on its own thread: end() hears that as a cancel.)
      end(true);
      return true;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      synchronized (outbound) {
        if (!closed) {
          super.sendHeaders(headers);
        }
      }
    }

    @Override
    public void sendMessage(R message) {
      synchronized (outbound) {
        if (!closed) {
          super.sendMessage(message);
        }
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (outbound) {
        if (!closed) {
          closed = true;
          super.close(status, trailers);
        }
      }
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      synchronized (outbound) {
        super.setMessageCompression(enabled);
      }
    }

    @Override
    public void setCompression(String compressor) {
      synchronized (outbound) {
        super.setCompression(compressor);
      }
    }
  }
}
