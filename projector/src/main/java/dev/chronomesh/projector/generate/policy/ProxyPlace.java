package dev.chronomesh.projector.generate.policy;

/**
 * The proxy a whole-config hook ({@link PolicyConfigurer#proxy}) applies to.
 *
 * @param proxyless whether it is a proxyless gRPC client rather than an Envoy sidecar
 */
public record ProxyPlace(String mesh, String name, boolean proxyless) {}
