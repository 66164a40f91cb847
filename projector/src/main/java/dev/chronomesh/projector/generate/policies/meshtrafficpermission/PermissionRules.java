package dev.chronomesh.projector.generate.policies.meshtrafficpermission;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.Spiffe;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission.Conf;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission.Match;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer.Source;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The RBAC rules of one inbound's MeshTrafficPermissions, in the part of Envoy's RBAC that grpc-xds
 * implements too (gRFC A41): an ALLOW {@code rules} whose principals are the callers allowed
 * ({@code any}, {@code authenticated.principal_name} exact or prefix, {@code and_ids}, {@code
 * or_ids}, {@code not_id}), and, when some callers are allowed with shadow deny, DENY {@code
 * shadow_rules} with those callers. No principal means no caller is allowed.
 *
 * <p>{@code from} items: the last item (in merge order) that selects a caller decides, as Kuma's
 * merge of the items' confs does. So an Allow (or AllowWithShadowDeny) item allows the callers it
 * selects that no later Deny item selects: its principal is its selector {@code and_ids} the {@code
 * not_id} of each later Deny item's selector, and an item a later Deny item covers entirely (kind
 * Mesh, or a subset of its tags) is left out. A caller is shadow-denied when the item deciding for
 * it is AllowWithShadowDeny. Selectors are the callers' certificate URIs, as Kuma's issuer writes
 * them: {@code kuma.io/service} is {@code spiffe://<mesh>/<service>}, any other tag {@code
 * kuma://<tag>/<value>}, several tags all of them; kind Mesh is any caller (the inbound accepts
 * only peers of the mesh's CA), as Kuma's.
 *
 * <p>{@code rules} (Kuma 2.14): every rule of every policy counts, a deny first, as Kuma's RBAC
 * matcher (deny matchers before allow matchers): a caller is allowed when a match of {@code allow}
 * or {@code allowWithShadowDeny} selects it and no match of {@code deny} does; the shadow rules
 * deny the callers {@code allowWithShadowDeny} selects. When an inbound has both, {@code rules}
 * decide and {@code from} items are not read, as in Kuma.
 */
record PermissionRules(RBAC enforced, Optional<RBAC> shadow) {
  /** The name of the one RBAC policy (Kuma's legacy configurer's). */
  static final String POLICY = "MeshTrafficPermission";

  /** The rules of an inbound with {@code sources} (none: deny every caller). */
  static PermissionRules of(String mesh, List<Source<Conf>> sources) {
    List<Conf> rules = sources.stream().map(Source::conf).filter(c -> c.action() == null).toList();
    return rules.isEmpty() ? fromItems(mesh, sources) : rules(rules);
  }

  private static PermissionRules rules(List<Conf> rules) {
    List<Principal> deny = new ArrayList<>();
    List<Principal> allow = new ArrayList<>();
    List<Principal> shadow = new ArrayList<>();
    for (Conf conf : rules) {
      conf.list("deny").forEach(m -> deny.add(match(m)));
      conf.list("allow").forEach(m -> allow.add(match(m)));
      conf.list("allowWithShadowDeny").forEach(m -> allow.add(match(m)));
      conf.list("allowWithShadowDeny").forEach(m -> shadow.add(match(m)));
    }
    List<Principal> allowed = new ArrayList<>();
    if (deny.isEmpty()) {
      allowed.addAll(allow);
    } else {
      Principal notDenied = not(or(deny));
      allow.forEach(p -> allowed.add(and(List.of(p, notDenied))));
    }
    return new PermissionRules(rbac(RBAC.Action.ALLOW, allowed), shadowRules(shadow));
  }

  private static PermissionRules fromItems(String mesh, List<Source<Conf>> sources) {
    List<Principal> allowed = new ArrayList<>();
    List<Principal> shadowed = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      Source<Conf> source = sources.get(i);
      String action = source.conf().action();
      if (action.equals(MeshTrafficPermission.DENY)) {
        continue;
      }
      boolean shadow = action.equals(MeshTrafficPermission.ALLOW_WITH_SHADOW_DENY);
      List<Principal> allow = new ArrayList<>(List.of(selector(mesh, source.selector())));
      List<Principal> shadowDeny = new ArrayList<>(allow);
      boolean allowCovered = false;
      boolean shadowCovered = !shadow;
      for (Source<Conf> later : sources.subList(i + 1, sources.size())) {
        String laterAction = later.conf().action();
        boolean covers = covers(later.selector(), source.selector());
        if (laterAction.equals(MeshTrafficPermission.DENY)) {
          allowCovered |= covers;
          allow.add(not(selector(mesh, later.selector())));
        }
        if (!laterAction.equals(MeshTrafficPermission.ALLOW_WITH_SHADOW_DENY)) {
          shadowCovered |= covers;
          shadowDeny.add(not(selector(mesh, later.selector())));
        }
      }
      if (!allowCovered) {
        allowed.add(and(allow));
      }
      if (!shadowCovered) {
        shadowed.add(and(shadowDeny));
      }
    }
    return new PermissionRules(rbac(RBAC.Action.ALLOW, allowed), shadowRules(shadowed));
  }

  private static Optional<RBAC> shadowRules(List<Principal> denied) {
    return denied.isEmpty() ? Optional.empty() : Optional.of(rbac(RBAC.Action.DENY, denied));
  }

  private static RBAC rbac(RBAC.Action action, List<Principal> principals) {
    RBAC.Builder rbac = RBAC.newBuilder().setAction(action);
    if (!principals.isEmpty()) {
      rbac.putPolicies(
          POLICY,
          Policy.newBuilder()
              .addPermissions(Permission.newBuilder().setAny(true))
              .addAllPrincipals(principals)
              .build());
    }
    return rbac.build();
  }

  /** Whether every caller {@code earlier} selects is selected by {@code later}. */
  static boolean covers(TargetRef later, TargetRef earlier) {
    if (later.kind() == TargetRef.Kind.MESH) {
      return true;
    }
    if (earlier.kind() == TargetRef.Kind.MESH) {
      return false;
    }
    Map<String, String> narrow = tags(earlier);
    return tags(later).entrySet().stream()
        .allMatch(e -> e.getValue().equals(narrow.get(e.getKey())));
  }

  /** The tags a caller must have ({@code kuma.io/service} for a name), sorted. */
  private static Map<String, String> tags(TargetRef selector) {
    Map<String, String> tags = new TreeMap<>(selector.tags());
    if (selector.name() != null) {
      tags.put(KumaTags.SERVICE, selector.name());
    }
    return tags;
  }

  /** The callers a {@code from} item's targetRef selects, by their certificate's URIs. */
  static Principal selector(String mesh, TargetRef selector) {
    if (selector.kind() == TargetRef.Kind.MESH) {
      return Principal.newBuilder().setAny(true).build();
    }
    List<Principal> all = new ArrayList<>();
    tags(selector)
        .forEach(
            (tag, value) ->
                all.add(
                    authenticated(
                        StringMatcher.newBuilder()
                            .setExact(
                                tag.equals(KumaTags.SERVICE)
                                    ? spiffeId(mesh, value)
                                    : Spiffe.tagUri(tag, value))
                            .build())));
    return all.isEmpty() ? Principal.newBuilder().setAny(true).build() : and(all);
  }

  /** Kuma's SPIFFE ID of a service of a mesh. */
  static String spiffeId(String mesh, String service) {
    return Spiffe.workloadId(Objects.requireNonNull(mesh, "the place's mesh"), service);
  }

  private static Principal match(Match match) {
    var id = match.spiffeID();
    StringMatcher.Builder name = StringMatcher.newBuilder();
    if (id.type().equals(MeshTrafficPermission.PREFIX)) {
      name.setPrefix(id.value());
    } else {
      name.setExact(id.value());
    }
    return authenticated(name.build());
  }

  private static Principal authenticated(StringMatcher name) {
    return Principal.newBuilder()
        .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name))
        .build();
  }

  private static Principal and(List<Principal> all) {
    // `any` adds nothing to a conjunction with other ids.
    List<Principal> ids = all.stream().filter(p -> !p.getAny()).toList();
    if (ids.isEmpty()) {
      return all.get(0);
    }
    if (ids.size() == 1) {
      return ids.get(0);
    }
    return Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(ids)).build();
  }

  private static Principal or(List<Principal> ids) {
    if (ids.size() == 1) {
      return ids.get(0);
    }
    return Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(ids)).build();
  }

  private static Principal not(Principal id) {
    return Principal.newBuilder().setNotId(id).build();
  }
}
