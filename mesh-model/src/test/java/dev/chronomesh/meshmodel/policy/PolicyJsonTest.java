package dev.chronomesh.meshmodel.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyJsonTest {

  private static List<String> fields(List<Violation> violations) {
    return violations.stream().map(Violation::field).toList();
  }

  @Test
  void parsesToFromAndLabels() {
    List<Violation> v = new ArrayList<>();
    Policy p =
        PolicyJson.parse(
            Fixtures.conf(
                """
                type: MeshTimeout
                name: t1
                mesh: default
                labels: {kuma.io/origin: zone}
                spec:
                  targetRef: {kind: Dataplane, labels: {app: backend}, sectionName: http}
                  to:
                    - targetRef: {kind: MeshService, name: db}
                      default: {idleTimeout: 10s}
                  from:
                    - targetRef: {kind: Mesh}
                      default: {connectionTimeout: 2s}
                """),
            v);
    assertThat(v).isEmpty();
    assertThat(p.type()).isEqualTo("MeshTimeout");
    assertThat(p.labels()).isEqualTo(Map.of("kuma.io/origin", "zone"));
    assertThat(p.targetRef())
        .isEqualTo(TargetRef.dataplaneLabelled(Map.of("app", "backend")).withSectionName("http"));
    assertThat(p.to()).hasSize(1);
    assertThat(p.to().get(0).targetRef()).isEqualTo(TargetRef.meshService("db"));
    assertThat(p.to().get(0).conf().get("idleTimeout").asText()).isEqualTo("10s");
    assertThat(p.from().get(0).targetRef()).isEqualTo(TargetRef.mesh());
  }

  @Test
  void missingTopLevelTargetRefMeansMesh() {
    List<Violation> v = new ArrayList<>();
    Policy p =
        PolicyJson.parse(
            Fixtures.conf(
                """
                type: MeshTimeout
                name: t1
                mesh: default
                spec:
                  rules:
                    - default: {connectionTimeout: 2s}
                """),
            v);
    assertThat(v).isEmpty();
    assertThat(p.targetRef()).isEqualTo(TargetRef.mesh());
    assertThat(p.rules()).hasSize(1);
  }

  @Test
  void routeItemsCarryRulesAsConf() {
    List<Violation> v = new ArrayList<>();
    Policy p =
        PolicyJson.parse(
            Fixtures.conf(
                """
                type: MeshHTTPRoute
                name: r1
                mesh: default
                spec:
                  to:
                    - targetRef: {kind: MeshService, name: backend}
                      rules:
                        - matches: [{path: {type: PathPrefix, value: /v2}}]
                          default:
                            backendRefs: [{kind: MeshService, name: backend-v2}]
                """),
            v);
    assertThat(v).isEmpty();
    assertThat(Fixtures.json(p.to().get(0).conf()))
        .isEqualTo(
            "{\"rules\":[{\"matches\":[{\"path\":{\"type\":\"PathPrefix\",\"value\":\"/v2\"}}],"
                + "\"default\":{\"backendRefs\":[{\"kind\":\"MeshService\",\"name\":\"backend-v2\"}]}}]}");
    PolicyEngine engine = new PolicyEngine(java.util.Set.of(), Map.of("rules", "matches"));
    ProxyView proxy = new ProxyView("default", "dp", Map.of(), List.of());
    assertThat(engine.toRules(proxy, List.of(p))).containsKey("backend");
  }

  @Test
  void collectsEveryViolationWithItsPath() {
    List<Violation> v = new ArrayList<>();
    Policy p =
        PolicyJson.parse(
            Fixtures.conf(
                """
                type: MeshTimeout
                mesh: default
                labels: {a: 1}
                extra: x
                spec:
                  targetRef: {kind: Nope}
                  to:
                    - targetRef: {kind: MeshSubset, tags: {a: b}}
                      default: {}
                    - default: 3
                  from:
                    - targetRef: {kind: Mesh, name: x}
                      default: {}
                """),
            v);
    assertThat(p).isNull();
    assertThat(fields(v))
        .contains(
            "name",
            "labels[\"a\"]",
            "extra",
            "spec.targetRef.kind",
            "spec.to[1].targetRef",
            "spec.to[1].default");
  }

  @Test
  void engineRulesApplyAfterStructureIsValid() {
    List<Violation> v = new ArrayList<>();
    Policy p =
        PolicyJson.parse(
            Fixtures.conf(
                """
                type: MeshTimeout
                name: t
                mesh: default
                spec:
                  to:
                    - targetRef: {kind: MeshSubset, tags: {a: b}}
                      default: {}
                  from:
                    - targetRef: {kind: Mesh, name: x}
                      default: {}
                """),
            v);
    assertThat(p).isNull();
    assertThat(fields(v))
        .containsExactlyInAnyOrder("spec.to[0].targetRef.kind", "spec.from[0].targetRef.name");
  }

  @Test
  void rejectsNonObjectsAndMissingSpec() {
    List<Violation> v = new ArrayList<>();
    assertThat(PolicyJson.parse(Fixtures.conf("type: MeshRetry\nname: a\nmesh: m\n"), v)).isNull();
    assertThat(fields(v)).containsExactly("spec");
    v.clear();
    assertThat(PolicyJson.parse(Fixtures.JSON.getNodeFactory().textNode("x"), v)).isNull();
    assertThat(fields(v)).containsExactly("");
  }
}
