package dev.chronomesh.meshmodel.policy;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every policy type shares with Kuma 2.14 ({@code pkg/core/resources/apis/mesh/validators.go}
 * ValidateTargetRef and the types' validators): which specs may be empty, and the real-resource
 * targeting of Kuma 2.9+ that Chronomesh does not support yet.
 */
class KumaTargetRefsTest {
  private static final String MESH_SERVICE_RESOURCES =
      "not supported by Chronomesh yet: " + TargetRef.MESH_SERVICE_RESOURCES;

  private static List<String> doc(PolicyType<?> type, String spec) {
    return problems(
        type, "type: " + type.name() + "\nmesh: default\nname: p\nspec:\n" + spec.indent(2));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "MeshRetry",
        "MeshHealthCheck",
        "MeshLoadBalancingStrategy",
        "MeshHTTPRoute",
        "MeshRateLimit",
        "MeshFaultInjection"
      })
  void anEmptyToIsAcceptedWhereKumaAcceptsIt(String typeName) {
    // Kuma's validator tests: "empty 'to' allowed as override to disable inherited rules"
    // (meshretry, meshloadbalancingstrategy), "accepts valid resource" (meshhttproute). Kuma's
    // rules then get no item from the policy: it changes nothing.
    PolicyType<?> type = Policies.byName(typeName).orElseThrow();
    String top =
        typeName.equals("MeshRateLimit") || typeName.equals("MeshFaultInjection")
            ? "targetRef: {kind: Mesh, proxyTypes: [Sidecar]}\n"
            : "targetRef: {kind: Dataplane, labels: {app: web}}\n";
    String section =
        typeName.equals("MeshRateLimit") || typeName.equals("MeshFaultInjection")
            ? "from: []"
            : "to: []";
    assertThat(doc(type, top + section)).isEmpty();
  }

  @Test
  void anEmptySpecIsRefusedWhereKumaRequiresAnItem() {
    // Kuma's meshtimeout and meshcircuitbreaker validators refuse a spec without items.
    assertThat(doc(MeshTimeout.TYPE, "to: []")).isNotEmpty();
    assertThat(doc(MeshCircuitBreaker.TYPE, "targetRef: {kind: Mesh}")).isNotEmpty();
  }

  @Test
  void anEmptyToIsStoredAndAddsNoRule() throws Exception {
    var record =
        ResourceType.forPolicy(MeshRetry.TYPE)
            .parse(
                "type: MeshRetry\nmesh: default\nname: retry-off\nspec:\n  to: []\n"
                    .getBytes(StandardCharsets.UTF_8),
                Format.YAML,
                null,
                null);
    Policy policy = PolicyResources.toEngine(record).orElseThrow();
    assertThat(policy.to()).isEmpty();
    ProxyView proxy = new ProxyView("default", "dp", java.util.Map.of(), List.of());
    assertThat(MeshRetry.TYPE.engine().toRules(proxy, List.of(policy))).isEmpty();
  }

  @Test
  void meshServiceResourcesAreNotSupportedYet() {
    assertThat(
            doc(
                MeshLoadBalancingStrategy.TYPE,
                """
                targetRef: {kind: MeshService, labels: {app: web}}
                to:
                  - targetRef: {kind: MeshService, labels: {kuma.io/display-name: backend}}
                    default: {loadBalancer: {type: RoundRobin}}
                  - targetRef: {kind: MeshService, name: backend, namespace: kuma-demo}
                    default: {loadBalancer: {type: RoundRobin}}
                """))
        .containsExactlyInAnyOrder(
            "spec.targetRef.labels: " + MESH_SERVICE_RESOURCES,
            "spec.to[0].targetRef.labels: " + MESH_SERVICE_RESOURCES,
            "spec.to[1].targetRef.namespace: not supported by Chronomesh yet: namespaces"
                + " (Kubernetes)");
  }

  @Test
  void kumaRefusesMeshInEveryTargetRefAndNamesWithUpperCase() {
    assertThat(
            doc(
                MeshRetry.TYPE,
                """
                targetRef: {kind: Mesh, mesh: other}
                to:
                  - targetRef: {kind: MeshService, name: Backend}
                    default: {tcp: {maxConnectAttempt: 2}}
                  - targetRef: {kind: Mesh, namespace: x}
                    default: {tcp: {maxConnectAttempt: 2}}
                """))
        .containsExactlyInAnyOrder(
            "spec.targetRef.mesh: must not be set with kind Mesh",
            "spec.to[0].targetRef.name: invalid characters: must consist of lower case"
                + " alphanumeric characters, '-', '.' and '_'.",
            "spec.to[1].targetRef.namespace: must not be set with kind Mesh");
  }

  @Test
  void aMeshServiceSubsetHasNoLabels() {
    // Kuma's ValidateTargetRef: labels "must not be set with kind MeshServiceSubset".
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshServiceSubset, name: web, tags: {v: "1"}, labels: {a: b}}
                to:
                  - targetRef: {kind: Mesh}
                    default: {idleTimeout: 1m}
                """))
        .containsExactly("spec.targetRef.labels: must not be set with kind MeshServiceSubset");
  }

  @Test
  void aPolicyForGatewaysOnlyIsAccepted() {
    // kuma-website app/_src/policies/meshtimeout.md: a MeshTimeout with proxyTypes [Gateway]
    // selects the gateways (builtin ones apply its 'to' on their routes and clusters).
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: Mesh, proxyTypes: [Gateway]}
                to:
                  - targetRef: {kind: Mesh}
                    default: {idleTimeout: 1m}
                """))
        .isEmpty();
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshGateway, name: edge, tags: {port: http-80}}
                to:
                  - targetRef: {kind: Mesh}
                    default: {idleTimeout: 1m}
                """))
        .isEmpty();
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshGateway}
                to:
                  - targetRef: {kind: MeshGateway, name: edge}
                    default: {idleTimeout: 1m}
                """))
        .contains(
            "spec.targetRef.name: must be set with kind MeshGateway",
            "spec.to[0].targetRef.kind: must be Mesh, MeshService or MeshHTTPRoute in 'to', got MeshGateway");
  }

  @Test
  void subsetTagsAreKumasTagsAndSelectors() {
    // Kuma's ValidateTags (MeshSubset) and ValidateSelector (MeshServiceSubset).
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshSubset, proxyTypes: [Sidecar], tags: {"a b": x, v: "", w: "x/y"}}
                from:
                  - targetRef: {kind: Mesh}
                    default: {idleTimeout: 1m}
                """))
        .containsExactlyInAnyOrder(
            "spec.targetRef.tags[\"a b\"]: tag name must consist of alphanumeric characters, dots,"
                + " dashes, slashes and underscores",
            "spec.targetRef.tags[\"v\"]: tag value must be non-empty",
            "spec.targetRef.tags[\"w\"]: tag value must consist of alphanumeric characters, dots,"
                + " dashes and underscores");
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: MeshServiceSubset, name: web, tags: {w: "x/y", v: "*"}}
                from:
                  - targetRef: {kind: Mesh}
                    default: {idleTimeout: 1m}
                """))
        .containsExactly(
            "spec.targetRef.tags[\"v\"]: not supported by Chronomesh yet: the wildcard tag value"
                + " \"*\"");
  }

  @Test
  void aDataplaneSectionIsForInboundPoliciesOnly() {
    // Kuma's ValidateTargetRef: "can only be used with inbound policies"; docs/policies.md's
    // inbound example stays valid.
    assertThat(
            doc(
                MeshHTTPRoute.TYPE,
                """
                targetRef: {kind: Dataplane, name: web-1, sectionName: http}
                to:
                  - targetRef: {kind: MeshService, name: backend}
                    rules: []
                """))
        .containsExactly("spec.targetRef.sectionName: can only be used with inbound policies");
    assertThat(
            doc(
                MeshTimeout.TYPE,
                """
                targetRef: {kind: Dataplane, name: backend-1, sectionName: http}
                rules:
                  - default: {http: {requestTimeout: 1s}, idleTimeout: null}
                """))
        .isEmpty();
  }
}
