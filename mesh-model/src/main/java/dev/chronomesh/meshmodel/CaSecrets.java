package dev.chronomesh.meshmodel;

/**
 * The names of the Secrets that hold a builtin CA, as Kuma names them ({@code
 * pkg/core/resources/apis/system/constants.go, pkg/plugins/ca/builtin/manager.go}): {@code
 * <mesh>.ca-builtin-cert-<backend>} (the certificate, PEM) and {@code
 * <mesh>.ca-builtin-key-<backend>} (the private key, PEM, sealed like every Secret's data). The
 * key's value is never shown by the API, to anyone: it exists only sealed and in the CA service's
 * memory.
 */
public final class CaSecrets {
  private CaSecrets() {}

  public static String certificate(String mesh, String backend) {
    return mesh + ".ca-builtin-cert-" + backend;
  }

  public static String privateKey(String mesh, String backend) {
    return mesh + ".ca-builtin-key-" + backend;
  }

  /** Whether {@code name} is the private key of a builtin CA of {@code mesh}. */
  public static boolean isPrivateKey(String mesh, String name) {
    return name.startsWith(mesh + ".ca-builtin-key-");
  }
}
