package dev.chronomesh.projector.generate.policy;

import java.util.Objects;

/**
 * Where a policy hook applies: the service (destination for outbound hooks, the inbound's own
 * service for inbound hooks), its protocol ({@code http}, {@code http2}, {@code grpc}, {@code tcp})
 * and whether the proxy is a proxyless gRPC client (which honours a subset of Envoy's fields).
 */
public record Place(String service, String protocol, boolean proxyless) {
  public Place {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(protocol, "protocol");
  }

  /** Whether traffic here is HTTP-like (http, http2, grpc) rather than TCP. */
  public boolean isHttp() {
    return !protocol.equals("tcp");
  }
}
