package dev.chronomesh.projector.generate.policy;

/**
 * The proxy a whole-config hook ({@link PolicyConfigurer#proxy}) applies to.
 *
 * @param proxyless whether it is a proxyless gRPC client rather than an Envoy sidecar
 * @param builtinGateway whether it is a builtin gateway (its listeners, routes and clusters are of
 *     Kuma's origin {@code gateway})
 */
public record ProxyPlace(String mesh, String name, boolean proxyless, boolean builtinGateway) {

  /** A sidecar's or proxyless client's place. */
  public ProxyPlace(String mesh, String name, boolean proxyless) {
    this(mesh, name, proxyless, false);
  }
}
