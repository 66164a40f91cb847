package dev.chronomesh.projector.generate.policy;

import java.util.Objects;

/**
 * Where a policy hook applies: the service (destination for outbound hooks, the inbound's own
 * service for inbound hooks), its protocol ({@code http}, {@code http2}, {@code grpc}, {@code tcp})
 * and whether the proxy is a proxyless gRPC client (which honours a subset of Envoy's fields).
 *
 * @param mtls for an inbound: it terminates the mesh's mTLS, so the caller's SPIFFE identity (its
 *     certificate's URI SANs) is known to the inbound's filters (MeshTrafficPermission's RBAC acts
 *     only there); false elsewhere
 * @param mesh the proxy's mesh (the trust domain of its SPIFFE IDs); generators need not give it,
 *     the policy hooks fill it in before calling a configurer
 */
public record Place(String service, String protocol, boolean proxyless, boolean mtls, String mesh) {
  public Place {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(protocol, "protocol");
  }

  /** A place that does not terminate mTLS. */
  public Place(String service, String protocol, boolean proxyless) {
    this(service, protocol, proxyless, false);
  }

  /** A place of the mesh the hooks fill in. */
  public Place(String service, String protocol, boolean proxyless, boolean mtls) {
    this(service, protocol, proxyless, mtls, null);
  }

  /** The same place in {@code mesh}. */
  public Place inMesh(String mesh) {
    return new Place(service, protocol, proxyless, mtls, mesh);
  }

  /** Whether traffic here is HTTP-like (http, http2, grpc) rather than TCP. */
  public boolean isHttp() {
    return !protocol.equals("tcp");
  }
}
