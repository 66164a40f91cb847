package dev.chronomesh.ca;

/**
 * The names of the Secrets that hold a builtin CA, as Kuma names them ({@code
 * pkg/core/resources/apis/system/constants.go, pkg/plugins/ca/builtin/manager.go}): {@code
 * <mesh>.ca-builtin-cert-<backend>} (the certificate, PEM) and {@code
 * <mesh>.ca-builtin-key-<backend>} (the private key, PEM, sealed like every Secret's data).
 */
public final class CaSecrets {
  private CaSecrets() {}

  public static String certificate(String mesh, String backend) {
    return mesh + ".ca-builtin-cert-" + backend;
  }

  public static String privateKey(String mesh, String backend) {
    return mesh + ".ca-builtin-key-" + backend;
  }
}
