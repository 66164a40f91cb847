package dev.chronomesh.meshmodel.policies.meshtrafficpermission;

import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.JsonBinding.Doc;
import dev.chronomesh.meshmodel.policy.JsonBinding.NotSupportedYet;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.SpiffeIds;
import dev.chronomesh.meshmodel.policy.TargetRef.Kind;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.util.List;
import java.util.Set;

/**
 * Kuma's MeshTrafficPermission ({@code pkg/plugins/policies/meshtrafficpermission}, v2.14): which
 * callers an inbound accepts, by their mTLS identity. Either {@code from} items (an {@code action}
 * per group of callers, the last item selecting a caller decides) or Kuma 2.14's {@code rules}
 * ({@code allow}, {@code deny} and {@code allowWithShadowDeny} lists of matches on the caller's
 * SPIFFE ID; a deny wins). It acts only on inbounds that terminate the mesh's mTLS, where an
 * inbound no policy selects denies every caller. See {@code
 * docs/policies/meshtrafficpermission.md}.
 */
public final class MeshTrafficPermission {
  /** Why a match on the SNI of the caller's TLS connection is refused. */
  static final String SNI_NOT_SUPPORTED =
      "matching the SNI of the TLS connection (Kuma uses it for MeshExternalService traffic"
          + " through a zone egress, which Chronomesh does not have)";

  /** The three lists of a {@code rules} conf, appended across policies (Kuma keeps them all). */
  static final List<String> RULE_LISTS = List.of("deny", "allowWithShadowDeny", "allow");

  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshTrafficPermission", Conf.class)
          .plural("meshtrafficpermissions")
          .displayNames("Mesh Traffic Permission", "Mesh Traffic Permissions")
          .summary("Which callers an mTLS inbound accepts, by their SPIFFE identity.")
          .order(1100)
          .sections(Section.FROM, Section.RULES)
          .fromKinds(Kind.MESH, Kind.MESH_SUBSET, Kind.MESH_SERVICE, Kind.MESH_SERVICE_SUBSET)
          // Kuma's RBAC configurer keeps every rule of every policy (deny first): lists append.
          .appendPaths(RULE_LISTS.toArray(String[]::new))
          .validator(MeshTrafficPermission::validate)
          .build();

  /** The actions of a {@code from} item. */
  public static final String ALLOW = "Allow";

  public static final String DENY = "Deny";
  public static final String ALLOW_WITH_SHADOW_DENY = "AllowWithShadowDeny";
  static final Set<String> ACTIONS = Set.of(ALLOW, DENY, ALLOW_WITH_SHADOW_DENY);

  /** The two types of a SPIFFE ID match. */
  public static final String EXACT = "Exact";

  public static final String PREFIX = "Prefix";

  private MeshTrafficPermission() {}

  /**
   * A MeshTrafficPermission {@code default}: in a {@code from} item its {@code action} only, in a
   * {@code rules} item the three lists only (Kuma's {@code Conf} and {@code RuleConf}).
   */
  public record Conf(
      @Doc("from items: Allow, Deny or AllowWithShadowDeny for the callers the item selects")
          String action,
      @Doc("rules items: callers denied, whatever else allows them") List<Match> deny,
      @Doc("rules items: callers allowed, reported as denied by the shadow rules")
          List<Match> allowWithShadowDeny,
      @Doc("rules items: callers allowed") List<Match> allow) {

    /** The conf's matches of one of {@link #RULE_LISTS}, never null. */
    public List<Match> list(String name) {
      List<Match> list =
          switch (name) {
            case "deny" -> deny;
            case "allowWithShadowDeny" -> allowWithShadowDeny;
            case "allow" -> allow;
            default -> throw new IllegalArgumentException(name);
          };
      return list == null ? List.of() : list;
    }
  }

  /** A match on the caller: its SPIFFE ID. */
  @NotSupportedYet(value = "sni", reason = SNI_NOT_SUPPORTED)
  public record Match(SpiffeIdMatch spiffeID) {}

  /**
   * The caller's certificate has a URI SAN equal to ({@code Exact}) or starting with {@code value}.
   */
  public record SpiffeIdMatch(@Required String type, @Required String value) {}

  private static void validate(TypedSpec<Conf> spec, Violations v) {
    PolicyChecks c = new PolicyChecks(v);
    Kind top = spec.targetRef().kind();
    if (top == Kind.MESH_GATEWAY) {
      // Kuma's SupportedKinds of the top-level targetRef: no MeshGateway (builtin gateways have
      // no mTLS inbound to protect).
      c.add("spec.targetRef.kind", "value '" + top.wireName() + "' is not supported");
    }
    boolean fromGiven = given(spec, Section.FROM, v);
    boolean rulesGiven = given(spec, Section.RULES, v);
    // Both given: the engine's "spec.rules: must not be combined with 'to' or 'from'" (Kuma: "field
    // 'from' must be empty when 'rules' is defined").
    if (!fromGiven && !rulesGiven) {
      c.add("spec", "at least one of 'from' or 'rules' has to be defined");
    }
    for (TypedSpec.Item<Conf> item : spec.from()) {
      String p = item.confPath(false);
      Conf conf = item.conf();
      if (conf.action() == null) {
        c.add(p + ".action", "must be defined");
      } else {
        c.oneOf(conf.action(), p + ".action", ACTIONS);
      }
      for (String list : RULE_LISTS) {
        if (raw(conf, list) != null) {
          // Kuma's from default is {action}: the lists belong to rules.
          v.unknownField(p + "." + list);
        }
      }
    }
    for (TypedSpec.Item<Conf> item : spec.rules()) {
      String p = item.confPath(false);
      Conf conf = item.conf();
      if (conf.action() != null) {
        // Kuma's rules default is {allow, deny, allowWithShadowDeny}: action belongs to from.
        v.unknownField(p + ".action");
      }
      if (RULE_LISTS.stream().allMatch(l -> conf.list(l).isEmpty())) {
        c.add(
            item.path(),
            "at least one of 'allow', 'allowWithShadowDeny', 'deny' has to be defined");
      }
      // Kuma's order of the lists' violations: allow, allowWithShadowDeny, deny.
      for (String list : List.of("allow", "allowWithShadowDeny", "deny")) {
        List<Match> matches = conf.list(list);
        for (int i = 0; i < matches.size(); i++) {
          match(matches.get(i), p + "." + list + "[" + i + "]", v);
        }
      }
    }
  }

  /** {@code list} of a conf as bound (null when absent). */
  private static List<Match> raw(Conf conf, String list) {
    return switch (list) {
      case "deny" -> conf.deny();
      case "allowWithShadowDeny" -> conf.allowWithShadowDeny();
      default -> conf.allow();
    };
  }

  /**
   * Whether the document has items in {@code section}: items that bound, or items that did not
   * (their problems are reported under the section's path already).
   */
  private static boolean given(TypedSpec<Conf> spec, Section section, Violations v) {
    if (!(section == Section.FROM ? spec.from() : spec.rules()).isEmpty()) {
      return true;
    }
    String prefix = "spec." + section.field() + "[";
    return v.list().stream().map(Violation::field).anyMatch(f -> f.startsWith(prefix));
  }

  /** Kuma's ValidateMatch for the parts Chronomesh supports: a SPIFFE ID, Exact or Prefix. */
  private static void match(Match match, String path, Violations v) {
    if (match.spiffeID() == null) {
      boolean reported =
          v.list().stream().map(Violation::field).anyMatch(f -> f.startsWith(path + "."));
      if (!reported) {
        // Kuma would match every caller with an empty match; say what is missing instead.
        v.add(path + ".spiffeID", "must be defined");
      }
      return;
    }
    SpiffeIdMatch id = match.spiffeID();
    new PolicyChecks(v).oneOf(id.type(), path + ".spiffeID.type", Set.of(EXACT, PREFIX));
    String problem = SpiffeIds.problem(id.value());
    if (problem != null) {
      v.add(path + ".spiffeID", "must be a valid Spiffe ID: " + problem);
    }
  }
}
