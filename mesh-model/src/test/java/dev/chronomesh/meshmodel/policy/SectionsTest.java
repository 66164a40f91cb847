package dev.chronomesh.meshmodel.policy;

import static dev.chronomesh.meshmodel.policy.Fixtures.backend;
import static dev.chronomesh.meshmodel.policy.Fixtures.conf;
import static dev.chronomesh.meshmodel.policy.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SectionsTest {

  private final PolicyEngine engine = new PolicyEngine();

  private static Policy from(String name, TargetRef top, FromItem... items) {
    return new Policy("MeshTimeout", name, "default", null, top, null, List.of(items), null);
  }

  private static Policy rules(String name, TargetRef top, String... confs) {
    return new Policy(
        "MeshTimeout",
        name,
        "default",
        null,
        top,
        null,
        null,
        java.util.Arrays.stream(confs).map(c -> new RuleItem(conf(c))).toList());
  }

  @Test
  void fromRulesArePerInboundAndPerSource() {
    // given a mesh-wide from policy and one only for the grpc inbound's service
    Policy meshWide =
        from(
            "mesh-wide", TargetRef.mesh(), new FromItem(TargetRef.mesh(), conf("idleTimeout: 1h")));
    Policy grpcOnly =
        from(
            "grpc",
            TargetRef.meshService("backend-grpc"),
            new FromItem(TargetRef.meshService("web"), conf("idleTimeout: 5s")));
    // when
    var rules = engine.fromRules(backend(), List.of(grpcOnly, meshWide));
    // then
    assertThat(rules.keySet()).containsExactly("grpc", "http");
    assertThat(rules.get("http").keySet()).containsExactly("Mesh");
    assertThat(rules.get("grpc").keySet()).containsExactly("Mesh", "web");
    assertThat(json(rules.get("grpc").get("web"))).isEqualTo("{\"idleTimeout\":\"5s\"}");
    assertThat(json(rules.get("grpc").get("Mesh"))).isEqualTo("{\"idleTimeout\":\"1h\"}");
  }

  @Test
  void inboundRulesMergeOnlyPoliciesSelectingTheInbound() {
    Policy meshWide =
        rules("mesh-wide", TargetRef.mesh(), "http:\n  requestTimeout: 10s\nidleTimeout: 1h");
    Policy httpSection =
        rules(
            "http-only",
            TargetRef.dataplaneNamed("backend-1").withSectionName("http"),
            "http:\n  requestTimeout: 1s");
    var rules = engine.inboundRules(backend(), List.of(httpSection, meshWide));
    assertThat(json(rules.get("http")))
        .isEqualTo("{\"http\":{\"requestTimeout\":\"1s\"},\"idleTimeout\":\"1h\"}");
    assertThat(json(rules.get("grpc")))
        .isEqualTo("{\"http\":{\"requestTimeout\":\"10s\"},\"idleTimeout\":\"1h\"}");
  }

  @Test
  void singleItemMergesRulesOfAllSelectingPoliciesInOrder() {
    Policy meshWide = rules("mesh-wide", TargetRef.mesh(), "a: 1\nb: 1", "b: 2");
    Policy dp = rules("dp", TargetRef.dataplaneLabelled(Map.of("app", "backend")), "c: 3");
    Policy other = rules("other", TargetRef.dataplaneNamed("web-1"), "a: 9");
    assertThat(json(engine.singleItem(backend(), List.of(other, dp, meshWide)).orElseThrow()))
        .isEqualTo("{\"a\":1,\"b\":2,\"c\":3}");
    assertThat(engine.singleItem(backend(), List.of(other))).isEmpty();
  }

  @Test
  void resultsDoNotDependOnInputOrder() {
    List<Policy> policies = new ArrayList<>();
    for (String n : List.of("a", "b", "c", "d", "e")) {
      policies.add(
          Fixtures.to(
              n,
              TargetRef.mesh(),
              Fixtures.toMesh("who: " + n + "\nappendLog: [" + n + "]"),
              Fixtures.toService("db-" + n, "who: db")));
    }
    policies.add(Fixtures.to("z", TargetRef.meshService("backend"), Fixtures.toMesh("who: z")));
    String expected = json(engine.toRules(backend(), policies));
    Random random = new Random(42);
    for (int i = 0; i < 20; i++) {
      List<Policy> shuffled = new ArrayList<>(policies);
      Collections.shuffle(shuffled, random);
      assertThat(json(engine.toRules(backend(), shuffled))).isEqualTo(expected);
    }
    assertThat(expected)
        .startsWith("{\"Mesh\":{\"appendLog\":[\"e\",\"d\",\"c\",\"b\",\"a\"],\"who\":\"z\"}");
  }

  @Test
  void reportsEveryViolationWithItsPath() {
    Policy bad =
        new Policy(
            "MeshTimeout",
            "bad",
            "default",
            null,
            new TargetRef(TargetRef.Kind.MESH_SERVICE, null, null, Map.of("a", "b"), "http"),
            List.of(new ToItem(TargetRef.meshSubset(Map.of("x", "y")), conf("a: 1"))),
            List.of(new FromItem(TargetRef.meshService("web").withSectionName("p"), conf("a: 1"))),
            null);
    assertThatThrownBy(bad::validate)
        .isInstanceOfSatisfying(
            ValidationException.class,
            e ->
                assertThat(e.violations())
                    .extracting(Violation::field)
                    .containsExactly(
                        "spec.targetRef.name",
                        "spec.targetRef.tags",
                        "spec.targetRef.sectionName",
                        "spec.to[0].targetRef.kind",
                        "spec.from[0].targetRef.sectionName"));
    assertThatThrownBy(() -> engine.toRules(backend(), List.of(bad)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MeshTimeout/default/bad: spec.targetRef.name");
  }

  @Test
  void rejectsMixedPolicyTypes() {
    Policy a = Fixtures.to("a", TargetRef.mesh(), Fixtures.toMesh("x: 1"));
    Policy b = new Policy("MeshRetry", "b", "default", null, TargetRef.mesh(), a.to(), null, null);
    assertThatThrownBy(() -> engine.toRules(backend(), List.of(a, b)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[MeshRetry, MeshTimeout]");
  }

  @Test
  void kumaDocsIntroductionExample() {
    // given the MeshTimeout from Kuma's policy introduction page plus a mesh-wide default
    Policy myApp =
        new Policy(
            "MeshTimeout",
            "my-app-timeout",
            "default",
            null,
            TargetRef.dataplaneLabelled(Map.of("app", "my-app")),
            List.of(
                new ToItem(
                    TargetRef.meshService("database").withSectionName("443"),
                    conf("connectionTimeout: 10s\nidleTimeout: 30m"))),
            null,
            null);
    Policy meshDefault =
        Fixtures.to(
            "mesh-timeout",
            TargetRef.mesh(),
            Fixtures.toMesh(
                "connectionTimeout: 5s\nidleTimeout: 1h\nhttp:\n  requestTimeout: 15s"));
    ProxyView myAppProxy =
        new ProxyView(
            "default",
            "my-app-1",
            Map.of("app", "my-app"),
            List.of(Fixtures.inbound("main", 8080, "my-app")));
    // when
    var rules = engine.toRules(myAppProxy, List.of(myApp, meshDefault));
    // then port 443 of the MeshService database gets the override, and so does an outbound to the
    // kuma.io/service database (Kuma's tag rules ignore the section); the rest the mesh default
    assertThat(rules.keySet()).containsExactly("Mesh", "database", "database:443");
    assertThat(json(rules.get("database:443")))
        .isEqualTo(
            "{\"connectionTimeout\":\"10s\",\"http\":{\"requestTimeout\":\"15s\"},\"idleTimeout\":\"30m\"}");
    assertThat(rules.get("database")).isEqualTo(rules.get("database:443"));
    assertThat(engine.toRules(backend(), List.of(myApp, meshDefault)).keySet())
        .containsExactly("Mesh");
  }

  @Test
  void docsPoliciesMdExamplesHold() {
    // example 1 of docs/policies.md
    Policy meshTimeout =
        Fixtures.to(
            "mesh-timeout",
            TargetRef.mesh(),
            Fixtures.toMesh("connectionTimeout: 5s\nidleTimeout: 1h\nhttp: {requestTimeout: 15s}"));
    Policy backendTimeout =
        Fixtures.to(
            "backend-timeout",
            TargetRef.meshService("backend"),
            Fixtures.toMesh("idleTimeout: 30s"),
            Fixtures.toService("db", "http: {requestTimeout: 2s}"));
    var rules = engine.toRules(backend(), List.of(backendTimeout, meshTimeout));
    assertThat(json(rules))
        .isEqualTo(
            "{\"Mesh\":{\"connectionTimeout\":\"5s\",\"http\":{\"requestTimeout\":\"15s\"},\"idleTimeout\":\"30s\"},"
                + "\"db\":{\"connectionTimeout\":\"5s\",\"http\":{\"requestTimeout\":\"2s\"},\"idleTimeout\":\"30s\"}}");
    // example 3: null removes the inherited field for the selected inbound only
    Policy meshRules =
        rules("mesh-rules", TargetRef.mesh(), "idleTimeout: 1h\nhttp: {requestTimeout: 15s}");
    Policy httpInbound =
        rules(
            "backend-http-inbound",
            TargetRef.dataplaneNamed("backend-1").withSectionName("http"),
            "http: {requestTimeout: 1s}\nidleTimeout: null");
    var inbound = engine.inboundRules(backend(), List.of(httpInbound, meshRules));
    assertThat(json(inbound))
        .isEqualTo(
            "{\"grpc\":{\"http\":{\"requestTimeout\":\"15s\"},\"idleTimeout\":\"1h\"},"
                + "\"http\":{\"http\":{\"requestTimeout\":\"1s\"}}}");
  }
}
