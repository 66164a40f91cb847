package dev.chronomesh.it;

import java.util.List;

/** Mesh documents with builtin mTLS backends, as the zero-trust tests write them. */
final class MtlsMeshes {
  private MtlsMeshes() {}

  /**
   * A Mesh without Kuma's default policies whose builtin {@code backends} each issue certificates
   * valid {@code expiration} (null: Kuma's 24 h), {@code enabled} the enabled one.
   */
  static String builtin(String mesh, String enabled, List<String> backends, String expiration) {
    StringBuilder yaml =
        new StringBuilder()
            .append("type: Mesh\nname: ")
            .append(mesh)
            .append("\nskipCreatingInitialPolicies: ['*']\nmtls:\n  enabledBackend: ")
            .append(enabled)
            .append("\n  backends:\n");
    for (String backend : backends) {
      yaml.append("  - name: ").append(backend).append("\n    type: builtin\n");
      if (expiration != null) {
        yaml.append("    dpCert: {rotation: {expiration: ").append(expiration).append("}}\n");
      }
    }
    return yaml.toString();
  }

  /** {@link #builtin(String, String)} with the backend's mode PERMISSIVE. */
  static String permissive(String mesh, String expiration) {
    return builtin(mesh, expiration)
        .replace("    type: builtin\n", "    type: builtin\n    mode: PERMISSIVE\n");
  }

  /** A Mesh whose one builtin backend {@code ca-1} issues certificates valid {@code expiration}. */
  static String builtin(String mesh, String expiration) {
    return builtin(mesh, "ca-1", List.of("ca-1"), expiration);
  }

  /** A proxyless Dataplane of {@code service} with one gRPC inbound on {@code port} of loopback. */
  static String proxylessDataplane(String mesh, String name, String service, int port) {
    return """
        type: Dataplane
        mesh: %s
        name: %s
        labels:
          chronomesh.io/proxy-type: proxyless
        networking:
          address: 127.0.0.1
          inbound:
          - port: %d
            tags: {kuma.io/service: %s, kuma.io/protocol: grpc}
        """
        .formatted(mesh, name, port, service);
  }

  /**
   * The MeshTrafficPermission {@code web-to-backend} of {@code mesh}: callers of service {@code
   * web} get {@code action} ({@code Allow}, {@code Deny}, ...) on the inbounds of service {@code
   * backend}.
   */
  static String webToBackend(String mesh, String action) {
    return """
        type: MeshTrafficPermission
        mesh: %s
        name: web-to-backend
        spec:
          targetRef: {kind: MeshService, name: backend}
          from:
          - targetRef: {kind: MeshService, name: web}
            default: {action: %s}
        """
        .formatted(mesh, action);
  }

  /**
   * A MeshTrust {@code name} of {@code mesh} trusting {@code ca} (PEM) for peers of {@code
   * trustDomain}.
   */
  static String meshTrust(String mesh, String name, String trustDomain, String ca) {
    StringBuilder yaml =
        new StringBuilder()
            .append("type: MeshTrust\nmesh: ")
            .append(mesh)
            .append("\nname: ")
            .append(name)
            .append("\nspec:\n  trustDomain: ")
            .append(trustDomain)
            .append("\n  caBundles:\n    - type: Pem\n      pem:\n        value: |\n");
    for (String line : ca.split("\n")) {
      yaml.append("          ").append(line).append('\n');
    }
    return yaml.toString();
  }
}
