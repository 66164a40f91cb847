package dev.chronomesh.projector.generate.policies.meshtrafficpermission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission.Conf;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission.Match;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission.SpiffeIdMatch;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer.Source;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the compiled RBAC decides for a caller, evaluated as Envoy and grpc-xds evaluate it ({@link
 * RbacEvaluator}), against Kuma's decision: for {@code from} items the action of the last item that
 * selects the caller (none: denied); for {@code rules} allowed when an allow or allowWithShadowDeny
 * match selects it and no deny match does. The callers' certificates carry Kuma's URIs ({@code
 * spiffe://<mesh>/<service>}, {@code kuma://<tag>/<value>} for every tag).
 */
class PermissionRulesTest {
  private static final String MESH = "default";

  /** Callers by name: their inbound tags. */
  private static final Map<String, Map<String, String>> CALLERS = new LinkedHashMap<>();

  static {
    CALLERS.put("web-v1", Map.of("kuma.io/service", "web", "version", "v1"));
    CALLERS.put("web-v2", Map.of("kuma.io/service", "web", "version", "v2"));
    CALLERS.put("api-v1", Map.of("kuma.io/service", "api", "version", "v1"));
    CALLERS.put("api-v2", Map.of("kuma.io/service", "api", "version", "v2", "env", "prod"));
    CALLERS.put("db", Map.of("kuma.io/service", "db"));
  }

  private static final List<TargetRef> SELECTORS =
      List.of(
          TargetRef.mesh(),
          TargetRef.meshService("web"),
          TargetRef.meshSubset(Map.of("version", "v2")),
          TargetRef.meshServiceSubset("web", Map.of("version", "v1")),
          TargetRef.meshSubset(Map.of("kuma.io/service", "api", "env", "prod")));

  private static final List<String> ACTIONS = List.of("Allow", "Deny", "AllowWithShadowDeny");

  private static Set<String> uris(Map<String, String> tags) {
    Set<String> uris = new TreeSet<>();
    uris.add("spiffe://" + MESH + "/" + tags.get("kuma.io/service"));
    tags.forEach((k, v) -> uris.add("kuma://" + k + "/" + v));
    return uris;
  }

  private static Source<Conf> from(TargetRef selector, String action) {
    return new Source<>(selector, new Conf(action, null, null, null));
  }

  /** Kuma's action for a caller: the last item selecting it, else none. */
  private static String kumaAction(List<Source<Conf>> sources, Map<String, String> tags) {
    String action = null;
    for (Source<Conf> s : sources) {
      if (PolicyEngine.selectsCaller(s.selector(), List.of(tags))) {
        action = s.conf().action();
      }
    }
    return action;
  }

  @Test
  void everySequenceOfUpToThreeFromItemsDecidesAsKuma() {
    List<List<Source<Conf>>> sequences = new ArrayList<>();
    sequences.add(List.of());
    List<Source<Conf>> items = new ArrayList<>();
    for (TargetRef s : SELECTORS) {
      for (String a : ACTIONS) {
        items.add(from(s, a));
      }
    }
    for (Source<Conf> a : items) {
      sequences.add(List.of(a));
      for (Source<Conf> b : items) {
        sequences.add(List.of(a, b));
        for (Source<Conf> c : items) {
          sequences.add(List.of(a, b, c));
        }
      }
    }
    int checked = 0;
    for (List<Source<Conf>> sources : sequences) {
      PermissionRules rules = PermissionRules.of(MESH, sources);
      for (var caller : CALLERS.entrySet()) {
        String kuma = kumaAction(sources, caller.getValue());
        Set<String> uris = uris(caller.getValue());
        boolean allowed = kuma != null && !kuma.equals("Deny");
        assertThat(RbacEvaluator.allows(rules.enforced(), uris))
            .as("%s calling with %s", caller.getKey(), sources)
            .isEqualTo(allowed);
        boolean shadowDenied =
            rules.shadow().isPresent() && !RbacEvaluator.allows(rules.shadow().get(), uris);
        assertThat(shadowDenied)
            .as("shadow: %s calling with %s", caller.getKey(), sources)
            .isEqualTo("AllowWithShadowDeny".equals(kuma));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(15_000);
  }

  static Stream<Arguments> fromCases() {
    return Stream.of(
        Arguments.of("no policy: deny-all", List.of(), Set.of()),
        Arguments.of(
            "Mesh Allow", List.of(from(TargetRef.mesh(), "Allow")), Set.copyOf(CALLERS.keySet())),
        Arguments.of(
            "Mesh Deny, then MeshService web Allow: web only",
            List.of(from(TargetRef.mesh(), "Deny"), from(TargetRef.meshService("web"), "Allow")),
            Set.of("web-v1", "web-v2")),
        Arguments.of(
            "MeshService web Allow, then MeshSubset version v2 Deny",
            List.of(
                from(TargetRef.meshService("web"), "Allow"),
                from(TargetRef.meshSubset(Map.of("version", "v2")), "Deny")),
            Set.of("web-v1")),
        Arguments.of(
            "MeshServiceSubset web v1 Allow",
            List.of(from(TargetRef.meshServiceSubset("web", Map.of("version", "v1")), "Allow")),
            Set.of("web-v1")),
        Arguments.of(
            "a later Mesh Deny wins over everything before it",
            List.of(from(TargetRef.meshService("web"), "Allow"), from(TargetRef.mesh(), "Deny")),
            Set.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fromCases")
  void fromItems(String name, List<Source<Conf>> sources, Set<String> allowed) {
    PermissionRules rules = PermissionRules.of(MESH, sources);
    Set<String> actual = new TreeSet<>();
    CALLERS.forEach(
        (caller, tags) -> {
          if (RbacEvaluator.allows(rules.enforced(), uris(tags))) {
            actual.add(caller);
          }
        });
    assertThat(actual).isEqualTo(new TreeSet<>(allowed));
  }

  private static Match exact(String id) {
    return new Match(new SpiffeIdMatch("Exact", id));
  }

  private static Match prefix(String id) {
    return new Match(new SpiffeIdMatch("Prefix", id));
  }

  private static Source<Conf> rule(List<Match> deny, List<Match> shadow, List<Match> allow) {
    return new Source<>(TargetRef.mesh(), new Conf(null, deny, shadow, allow));
  }

  @Test
  void rulesDenyFirstThenAllow() {
    PermissionRules rules =
        PermissionRules.of(
            MESH,
            List.of(
                rule(
                    List.of(exact("spiffe://default/web")),
                    List.of(exact("spiffe://default/db")),
                    List.of(prefix("spiffe://default/")))));
    assertThat(RbacEvaluator.allows(rules.enforced(), uris(CALLERS.get("web-v1")))).isFalse();
    assertThat(RbacEvaluator.allows(rules.enforced(), uris(CALLERS.get("api-v1")))).isTrue();
    assertThat(RbacEvaluator.allows(rules.enforced(), uris(CALLERS.get("db")))).isTrue();
    assertThat(RbacEvaluator.allows(rules.enforced(), Set.of("spiffe://other/api"))).isFalse();
    // The shadow rules deny what allowWithShadowDeny allows.
    assertThat(rules.shadow()).isPresent();
    assertThat(RbacEvaluator.allows(rules.shadow().get(), uris(CALLERS.get("db")))).isFalse();
    assertThat(RbacEvaluator.allows(rules.shadow().get(), uris(CALLERS.get("api-v1")))).isTrue();
  }

  @Test
  void rulesOfSeveralPoliciesAllCount() {
    // Two policies' rules reach the configurer merged by appending their lists (the model's
    // appendPaths): a deny of one wins over an allow of the other, in either order.
    PermissionRules rules =
        PermissionRules.of(
            MESH,
            List.of(
                rule(
                    List.of(exact("spiffe://default/api")),
                    null,
                    List.of(prefix("spiffe://default/"), exact("spiffe://default/api")))));
    assertThat(RbacEvaluator.allows(rules.enforced(), uris(CALLERS.get("api-v1")))).isFalse();
    assertThat(RbacEvaluator.allows(rules.enforced(), uris(CALLERS.get("web-v1")))).isTrue();
    assertThat(rules.shadow()).isEmpty();
  }

  @Test
  void rulesWithOnlyDenyAllowNobody() {
    PermissionRules rules =
        PermissionRules.of(MESH, List.of(rule(List.of(exact("spiffe://default/api")), null, null)));
    CALLERS
        .values()
        .forEach(t -> assertThat(RbacEvaluator.allows(rules.enforced(), uris(t))).isFalse());
    assertThat(rules.enforced().getPoliciesMap()).isEmpty();
  }
}
