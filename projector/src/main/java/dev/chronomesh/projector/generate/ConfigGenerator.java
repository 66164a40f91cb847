package dev.chronomesh.projector.generate;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.MeshGateway;
import java.util.Objects;

/**
 * Generates one proxy's config, choosing its flavour by the dataplane's {@link
 * #KumaTags.PROXY_TYPE_LABEL}: an Envoy sidecar ({@link SidecarGenerator}) or a proxyless gRPC
 * client ({@link ProxylessGrpcGenerator}), or a builtin gateway ({@link GatewayGenerator}). Pure:
 * the same mesh context and dataplane give byte-equal output.
 */
public final class ConfigGenerator {

  private ConfigGenerator() {}

  /**
   * The config of {@code dataplane}. Invalid policies or unusable parts of route confs are left
   * out, never thrown.
   *
   * @throws IllegalArgumentException when the dataplane belongs to another mesh
   */
  public static GeneratedConfig generate(MeshContext mesh, DataplaneResource dataplane) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(dataplane, "dataplane");
    if (MeshGateway.isBuiltinGateway(dataplane)) {
      return GatewayGenerator.generate(mesh, dataplane);
    }
    return KumaTags.isProxyless(dataplane.getLabels())
        ? ProxylessGrpcGenerator.generate(mesh, dataplane)
        : SidecarGenerator.generate(mesh, dataplane);
  }
}
