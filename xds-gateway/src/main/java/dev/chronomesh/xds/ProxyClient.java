package dev.chronomesh.xds;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.ProxyConfigEnvelope;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The kind of xDS client on a stream, as its node announces itself, and whether it can use a config
 * of a given flavour. The gateway generates nothing: a config is a sidecar's or a proxyless
 * client's as the projector made it (its envelope says which), and a client of the other kind is
 * refused at once with what to change, instead of waiting for resources that will never come.
 *
 * @param description the client's own name and version, for messages ("gRPC Java 1.85.1")
 */
record ProxyClient(Kind kind, String description) {
  /** The Dataplane label choosing the flavour (defined once, in event-schemas). */
  static final String PROXY_TYPE_LABEL = KumaTags.PROXY_TYPE_LABEL;

  /** What a node says it is. */
  enum Kind {
    /** Envoy (Kuma's sidecar): {@code user_agent_name} "envoy". */
    ENVOY,
    /** A gRPC library's xDS client (grpc-java, grpc-go, C-core and its wrappers, grpc-js). */
    GRPC,
    /** Says nothing we recognize (raw ADS clients, tools): served whatever its config is. */
    UNKNOWN
  }

  /**
   * Client features only gRPC's xDS clients announce (grpc-java's {@code BootstrapperImpl}: no
   * overprovisioning factor, gRFC A53's resources in SotW; the other gRPC languages send the same).
   */
  static final Set<String> GRPC_FEATURES =
      Set.of("envoy.lb.does_not_support_overprovisioning", "xds.config.resource-in-sotw");

  ProxyClient {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
  }

  /** The client a stream's node describes. */
  static ProxyClient of(Node node) {
    String name = node.getUserAgentName();
    String version = node.getUserAgentVersion();
    if (version.isEmpty() && node.hasUserAgentBuildVersion()) {
      var v = node.getUserAgentBuildVersion().getVersion();
      version = v.getMajorNumber() + "." + v.getMinorNumber() + "." + v.getPatch();
    }
    String description = version.isEmpty() ? name : name + " " + version;
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals("envoy")) {
      return new ProxyClient(Kind.ENVOY, description);
    }
    if (lower.startsWith("grpc")
        || node.getClientFeaturesList().stream().anyMatch(GRPC_FEATURES::contains)) {
      return new ProxyClient(Kind.GRPC, description.isEmpty() ? "gRPC" : description);
    }
    return description.isEmpty() ? SILENT : new ProxyClient(Kind.UNKNOWN, description);
  }

  /** A node that says nothing of itself (raw ADS clients, the benchmarks' simulated proxies). */
  private static final ProxyClient SILENT = new ProxyClient(Kind.UNKNOWN, "");

  /**
   * Why this client cannot use node {@code nodeId}'s config of {@code flavour}, with what to
   * change; null when it can (or either side is unknown).
   */
  String mismatch(String nodeId, String flavour) {
    if (ProxyConfigEnvelope.SIDECAR.equals(flavour) && kind == Kind.GRPC) {
      return "dataplane "
          + nodeId
          + " is configured as an Envoy sidecar but a proxyless gRPC client ("
          + description
          + ") connected: add the label "
          + PROXY_TYPE_LABEL
          + ": proxyless to the Dataplane";
    }
    if (ProxyConfigEnvelope.PROXYLESS.equals(flavour) && kind == Kind.ENVOY) {
      return "dataplane "
          + nodeId
          + " is configured as a proxyless gRPC client but an Envoy ("
          + description
          + ") connected: remove the label "
          + PROXY_TYPE_LABEL
          + ": proxyless from the Dataplane";
    }
    return null;
  }
}
