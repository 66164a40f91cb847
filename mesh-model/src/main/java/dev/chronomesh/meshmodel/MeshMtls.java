package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import java.util.Optional;

/** What a stored Mesh's {@code mtls} section says: its enabled backend and that backend's mode. */
public final class MeshMtls {
  /** Kuma's {@code CertificateAuthorityBackend.Mode}: STRICT (its default) or PERMISSIVE. */
  public static final String STRICT = "STRICT";

  public static final String PERMISSIVE = "PERMISSIVE";

  private MeshMtls() {}

  /** Whether {@code mesh} has mTLS on (Kuma: {@code mtls.enabledBackend} set). */
  public static boolean enabled(MeshResource mesh) {
    return mesh.getMtls() != null
        && mesh.getMtls().getEnabledBackend() != null
        && !mesh.getMtls().getEnabledBackend().isEmpty();
  }

  /** The backend named by {@code mtls.enabledBackend}, if any. */
  public static Optional<MtlsBackend> enabledBackend(MeshResource mesh) {
    return enabledBackend(mesh.getMtls());
  }

  /** The backend {@code mtls} (null: none) names as enabled, if it has it. */
  public static Optional<MtlsBackend> enabledBackend(Mtls mtls) {
    if (mtls == null || mtls.getEnabledBackend() == null) {
      return Optional.empty();
    }
    String name = mtls.getEnabledBackend();
    return mtls.getBackends().stream().filter(b -> b.getName().equals(name)).findFirst();
  }

  /** Whether the enabled backend is PERMISSIVE (a backend without a mode is STRICT). */
  public static boolean permissive(MeshResource mesh) {
    return enabledBackend(mesh).map(b -> PERMISSIVE.equals(b.getMode())).orElse(false);
  }
}
