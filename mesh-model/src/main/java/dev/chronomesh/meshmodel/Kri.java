package dev.chronomesh.meshmodel;

/**
 * Kuma's resource identifiers ({@code pkg/core/kri}) in the form Envoy resource names take: {@code
 * kri_<short type>_<mesh>_<zone>_<namespace>_<name>_<section>}. Chronomesh has one zone and no
 * namespaces, so those two parts are always empty.
 */
public final class Kri {
  private Kri() {}

  /**
   * The identifier of resource {@code name} of the type {@code shortType} (msvc, mfi) in a mesh.
   */
  public static String of(String shortType, String mesh, String name, String section) {
    return "kri_" + shortType + "_" + mesh + "___" + name + "_" + (section == null ? "" : section);
  }
}
