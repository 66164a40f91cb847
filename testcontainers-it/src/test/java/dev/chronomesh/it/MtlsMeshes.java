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

  /** A Mesh whose one builtin backend {@code ca-1} issues certificates valid {@code expiration}. */
  static String builtin(String mesh, String expiration) {
    return builtin(mesh, "ca-1", List.of("ca-1"), expiration);
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
