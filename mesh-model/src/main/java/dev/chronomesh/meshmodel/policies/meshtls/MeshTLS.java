package dev.chronomesh.meshmodel.policies.meshtls;

import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.JsonBinding.Doc;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.TargetRef.Kind;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.util.List;
import java.util.Set;

/**
 * Kuma's MeshTLS ({@code pkg/plugins/policies/meshtls}, v2.14): the TLS versions and cipher suites
 * of the mesh's mTLS, and the mode of the inbounds that terminate it. {@code from} items (kind Mesh
 * only) or Kuma 2.14's {@code rules}, each with {@code default: {tlsVersion: {min, max},
 * tlsCiphers, mode}}. Versions and ciphers apply to an Envoy sidecar's inbounds and to its clusters
 * into the mesh (Kuma's plugin sets both sides), never to a proxyless gRPC proxy (grpc-xds refuses
 * {@code tls_params}). {@code mode} overrides the mode of the mesh's enabled backend on an Envoy
 * sidecar's inbounds: Strict (one chain, mesh mTLS only) or Permissive (a TLS inspector sends
 * plaintext, application TLS and mesh mTLS to three chains); proxyless servers stay Strict
 * (grpc-java cannot sniff TLS). See {@code docs/policies/meshtls.md}.
 */
public final class MeshTLS {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshTLS", Conf.class)
          .plural("meshtlses")
          .displayNames("Mesh TLS", "Mesh TLSes")
          .summary("The TLS versions and cipher suites of the mesh's mTLS on Envoy sidecars.")
          .order(300)
          .sections(Section.FROM, Section.RULES)
          .fromKinds(Kind.MESH)
          .validator(MeshTLS::validate)
          .build();

  /** The two modes of Kuma's MeshTLS. */
  public static final String STRICT = "Strict";

  public static final String PERMISSIVE = "Permissive";
  static final Set<String> MODES = Set.of(STRICT, PERMISSIVE);

  /** Kuma's TLS versions ({@code api/common/v1alpha1/tls}), lowest first after TLSAuto. */
  public static final String TLS_AUTO = "TLSAuto";

  public static final List<String> VERSIONS = List.of(TLS_AUTO, "TLS10", "TLS11", "TLS12", "TLS13");

  /** Kuma's cipher suites, named as BoringSSL (and Envoy's {@code cipher_suites}) names them. */
  public static final List<String> CIPHERS =
      List.of(
          "ECDHE-ECDSA-AES128-GCM-SHA256",
          "ECDHE-ECDSA-AES256-GCM-SHA384",
          "ECDHE-ECDSA-CHACHA20-POLY1305",
          "ECDHE-RSA-AES128-GCM-SHA256",
          "ECDHE-RSA-AES256-GCM-SHA384",
          "ECDHE-RSA-CHACHA20-POLY1305");

  /** The top-level kinds Kuma's validator accepts (its SupportedKinds). */
  static final Set<Kind> TOP_KINDS = Set.of(Kind.MESH, Kind.MESH_SUBSET, Kind.DATAPLANE);

  private MeshTLS() {}

  /** A MeshTLS {@code default} (Kuma's {@code Conf}); every field optional. */
  public record Conf(
      @Doc("the lowest and highest TLS version of the mesh's mTLS (top-level targetRef Mesh only)")
          Version tlsVersion,
      @Doc(
              "the cipher suites of the mesh's mTLS, TLS 1.2 and lower (top-level targetRef Mesh only)")
          List<String> tlsCiphers,
      @Doc(
              "Strict or Permissive: the inbound mode of Envoy sidecars (default: the mode of the"
                  + " mesh's enabled backend; proxyless servers are always Strict)")
          String mode) {}

  /** {@code min} and {@code max}, each one of {@link #VERSIONS}; TLSAuto leaves Envoy's default. */
  public record Version(
      @Doc("TLSAuto, TLS10, TLS11, TLS12 or TLS13 (default TLSAuto)") String min,
      @Doc("TLSAuto, TLS10, TLS11, TLS12 or TLS13 (default TLSAuto)") String max) {}

  private static void validate(TypedSpec<Conf> spec, Violations v) {
    PolicyChecks c = new PolicyChecks(v);
    Kind top = spec.targetRef().kind();
    if (!TOP_KINDS.contains(top) && !reported(v, "spec.targetRef.kind")) {
      c.add("spec.targetRef.kind", "value '" + top.wireName() + "' is not supported");
    }
    // Both from and rules: the engine's "spec.rules: must not be combined with 'to' or 'from'"
    // (Kuma: "field 'from' must be empty when 'rules' is defined").
    boolean meshTop = top == Kind.MESH;
    for (TypedSpec.Item<Conf> item : spec.rules()) {
      conf(item.conf(), item.confPath(false), meshTop, v);
    }
    for (TypedSpec.Item<Conf> item : spec.from()) {
      conf(item.conf(), item.confPath(false), meshTop, v);
    }
  }

  /** Kuma's validateDefault, in its order: mode, tlsCiphers, tlsVersion. */
  private static void conf(Conf conf, String path, boolean meshTop, Violations v) {
    PolicyChecks c = new PolicyChecks(v);
    if (conf.mode() != null) {
      c.oneOf(conf.mode(), path + ".mode", MODES);
    }
    List<String> ciphers = conf.tlsCiphers() == null ? List.of() : conf.tlsCiphers();
    if (!ciphers.isEmpty() && !meshTop) {
      c.add(
          path + ".tlsCiphers",
          "tlsCiphers can only be defined with top level targetRef kind: Mesh");
    } else {
      for (String cipher : ciphers) {
        // Kuma names the list, not the item: one violation per unknown cipher, at its path.
        c.oneOf(cipher, path + ".tlsCiphers", Set.copyOf(CIPHERS));
      }
    }
    Version version = conf.tlsVersion();
    if (version != null) {
      if (!meshTop) {
        c.add(
            path + ".tlsVersion",
            "tlsVersion can only be defined with top level targetRef kind: Mesh");
      } else {
        c.oneOf(version.min(), path + ".tlsVersion.min", Set.copyOf(VERSIONS));
        c.oneOf(version.max(), path + ".tlsVersion.max", Set.copyOf(VERSIONS));
        int min = specific(version.min());
        int max = specific(version.max());
        if (min >= 0 && max >= 0 && min > max) {
          c.add(path + ".tlsVersion.min", "min version must be lower than max");
        }
      }
    }
  }

  /** The rank of a specific version (TLS10 = 1 ... TLS13 = 4), or -1 for TLSAuto, none or junk. */
  private static int specific(String version) {
    int rank = version == null ? -1 : VERSIONS.indexOf(version);
    return rank <= 0 ? -1 : rank;
  }

  private static boolean reported(Violations v, String path) {
    return v.list().stream().map(Violation::field).anyMatch(f -> f.startsWith(path));
  }
}
