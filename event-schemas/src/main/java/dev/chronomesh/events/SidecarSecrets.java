package dev.chronomesh.events;

/**
 * The names of the SDS secrets an Envoy sidecar of an mTLS mesh reads, defined once: the projector
 * names them in the TLS contexts it generates, the xDS gateway serves secrets under them. Kuma's
 * names ({@code pkg/xds/envoy/secrets.go}: {@code <category>:secret:<mesh>}), so configs compare
 * with Kuma's golden files.
 */
public final class SidecarSecrets {
  private SidecarSecrets() {}

  /** The prefix of the proxy's identity secret: its certificate chain and private key. */
  public static final String IDENTITY_CERT_PREFIX = "identity_cert:secret:";

  /** The prefix of a mesh's CA bundle secret: the validation context of its peers' certificates. */
  public static final String MESH_CA_PREFIX = "mesh_ca:secret:";

  /** The identity secret of a proxy of {@code mesh}: {@code identity_cert:secret:<mesh>}. */
  public static String identityCert(String mesh) {
    return IDENTITY_CERT_PREFIX + mesh;
  }

  /** The CA bundle secret of {@code mesh}: {@code mesh_ca:secret:<mesh>}. */
  public static String meshCa(String mesh) {
    return MESH_CA_PREFIX + mesh;
  }
}
