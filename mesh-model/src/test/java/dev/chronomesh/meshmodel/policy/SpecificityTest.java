package dev.chronomesh.meshmodel.policy;

import static dev.chronomesh.meshmodel.policy.Fixtures.backend;
import static dev.chronomesh.meshmodel.policy.Fixtures.json;
import static dev.chronomesh.meshmodel.policy.Fixtures.to;
import static dev.chronomesh.meshmodel.policy.Fixtures.toMesh;
import static dev.chronomesh.meshmodel.policy.Fixtures.toService;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecificityTest {

  private final PolicyEngine engine = new PolicyEngine();

  @Test
  void meshLevelPolicyIsOverriddenByMeshServiceLevelOne() {
    // given a mesh-wide default and a policy for the backend service's proxies
    Policy meshWide =
        to("mesh-wide", TargetRef.mesh(), toMesh("idleTimeout: 1h\nconnectionTimeout: 5s"));
    Policy service =
        to("backend-only", TargetRef.meshService("backend"), toMesh("idleTimeout: 30s"));
    // when
    var rules = engine.toRules(backend(), List.of(service, meshWide));
    // then the more specific top-level wins field by field
    assertThat(json(rules.get(PolicyEngine.MESH_KEY)))
        .isEqualTo("{\"connectionTimeout\":\"5s\",\"idleTimeout\":\"30s\"}");
  }

  @Test
  void dataplaneLevelPolicyWinsOverMeshLevel() {
    Policy meshWide = to("mesh-wide", TargetRef.mesh(), toMesh("idleTimeout: 1h"));
    Policy dp = to("dp", TargetRef.dataplaneNamed("backend-1"), toMesh("idleTimeout: 10s"));
    var rules = engine.toRules(backend(), List.of(dp, meshWide));
    assertThat(json(rules.get("Mesh"))).isEqualTo("{\"idleTimeout\":\"10s\"}");
  }

  @Test
  void kumaRanksDataplaneBelowMeshSubsetAndMeshService() {
    // Kuma's order (api/common/v1alpha1 targetref.go): Mesh 1, Dataplane 2, MeshSubset 3,
    // MeshService 5, MeshServiceSubset 8
    Policy dp = to("dp", TargetRef.dataplaneNamed("backend-1"), toMesh("a: dp"));
    Policy subset =
        to("subset", TargetRef.meshSubset(Map.of("version", "v1")), toMesh("a: subset"));
    Policy svc = to("svc", TargetRef.meshService("backend"), toMesh("a: svc"));
    Policy svcSubset =
        to(
            "svcsub",
            TargetRef.meshServiceSubset("backend", Map.of("version", "v1")),
            toMesh("a: svcsub"));
    Policy mesh = to("mesh", TargetRef.mesh(), toMesh("a: mesh"));
    assertThat(engine.matching(backend(), List.of(svcSubset, svc, subset, dp, mesh)))
        .extracting(Policy::name)
        .containsExactly("mesh", "dp", "subset", "svc", "svcsub");
  }

  @Test
  void dataplaneWithSectionNameOutranksDataplaneWithout() {
    Policy whole = to("a-whole", TargetRef.dataplaneNamed("backend-1"), toMesh("a: whole"));
    Policy section =
        to(
            "z-section",
            TargetRef.dataplaneNamed("backend-1").withSectionName("http"),
            toMesh("a: section"));
    assertThat(engine.matching(backend(), List.of(section, whole)))
        .extracting(Policy::name)
        .containsExactly("a-whole", "z-section");
  }

  @Test
  void tiesAreBrokenByOriginThenRoleThenSmallestNameWins() {
    Policy globalA = to("a", TargetRef.mesh(), Map.of("kuma.io/origin", "global"), toMesh("x: 1"));
    Policy zoneB = to("b", TargetRef.mesh(), Map.of("kuma.io/origin", "zone"), toMesh("x: 2"));
    Policy unknownC = to("c", TargetRef.mesh(), toMesh("x: 3"));
    assertThat(engine.matching(backend(), List.of(zoneB, unknownC, globalA)))
        .extracting(Policy::name)
        .containsExactly("a", "c", "b");

    Policy ownerA =
        to("a", TargetRef.mesh(), Map.of("kuma.io/policy-role", "workload-owner"), toMesh("x: 1"));
    Policy systemB =
        to("b", TargetRef.mesh(), Map.of("kuma.io/policy-role", "system"), toMesh("x: 2"));
    Policy consumerC =
        to("c", TargetRef.mesh(), Map.of("kuma.io/policy-role", "consumer"), toMesh("x: 3"));
    assertThat(engine.matching(backend(), List.of(ownerA, consumerC, systemB)))
        .extracting(Policy::name)
        .containsExactly("b", "c", "a");

    Policy beta = to("beta", TargetRef.mesh(), toMesh("x: beta"));
    Policy alpha = to("alpha", TargetRef.mesh(), toMesh("x: alpha"));
    var rules = engine.toRules(backend(), List.of(alpha, beta));
    assertThat(json(rules.get("Mesh"))).isEqualTo("{\"x\":\"alpha\"}");
  }

  @Test
  void meshServiceToItemOverridesMeshToItemForItsDestinationOnly() {
    // given one policy: a default for all destinations and a stricter one for "db"
    Policy p =
        to(
            "timeouts",
            TargetRef.mesh(),
            toService("db", "idleTimeout: 5s"),
            toMesh("idleTimeout: 1m\nconnectionTimeout: 2s"));
    // when
    var rules = engine.toRules(backend(), List.of(p));
    // then
    assertThat(rules.keySet()).containsExactly("Mesh", "db");
    assertThat(json(rules.get("Mesh")))
        .isEqualTo("{\"connectionTimeout\":\"2s\",\"idleTimeout\":\"1m\"}");
    assertThat(json(rules.get("db")))
        .isEqualTo("{\"connectionTimeout\":\"2s\",\"idleTimeout\":\"5s\"}");
  }

  @Test
  void topLevelSpecificityComesBeforeItemKind() {
    // Kuma sorts by policy attributes first: a Dataplane-level Mesh item beats a Mesh-level
    // MeshService item for that service
    Policy meshLevel = to("mesh", TargetRef.mesh(), toService("db", "idleTimeout: 5s"));
    Policy dpLevel = to("dp", TargetRef.dataplaneNamed("backend-1"), toMesh("idleTimeout: 9s"));
    var rules = engine.toRules(backend(), List.of(meshLevel, dpLevel));
    assertThat(json(rules.get("db"))).isEqualTo("{\"idleTimeout\":\"9s\"}");
  }

  @Test
  void sectionScopedDestinationMergesServiceItemsUnderIt() {
    Policy p =
        to(
            "p",
            TargetRef.mesh(),
            new ToItem(
                TargetRef.meshService("db").withSectionName("5432"), Fixtures.conf("b: port")),
            toService("db", "a: svc\nb: svc"),
            toMesh("a: mesh\nb: mesh\nc: mesh"));
    var rules = engine.toRules(backend(), List.of(p));
    assertThat(rules.keySet()).containsExactly("Mesh", "db", "db:5432");
    assertThat(json(rules.get("db:5432")))
        .isEqualTo("{\"a\":\"svc\",\"b\":\"port\",\"c\":\"mesh\"}");
  }

  @Test
  void legacyDestinationIgnoresSectionNamesAsKumaTagRulesDo() {
    // Kuma's asSubset turns {kind: MeshService, name: db, sectionName: ...} into the tag
    // kuma.io/service: db, so an outbound written with tags gets it whatever its section; items of
    // equal kind then merge in policy and list order.
    Policy p =
        to(
            "p",
            TargetRef.mesh(),
            toService("db", "a: svc\nb: svc"),
            new ToItem(
                TargetRef.meshService("db").withSectionName("5432"), Fixtures.conf("b: port")),
            toMesh("a: mesh\nb: mesh\nc: mesh"));
    var rules = engine.toRules(backend(), List.of(p));
    assertThat(json(rules.get("db"))).isEqualTo("{\"a\":\"svc\",\"b\":\"port\",\"c\":\"mesh\"}");
    assertThat(json(rules.get("db:5432")))
        .isEqualTo("{\"a\":\"svc\",\"b\":\"port\",\"c\":\"mesh\"}");
    assertThat(rules.get("db:80")).isNull();
  }
}
