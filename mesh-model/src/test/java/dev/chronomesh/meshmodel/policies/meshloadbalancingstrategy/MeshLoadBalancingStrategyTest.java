package dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.meshPolicy;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MeshLoadBalancingStrategy documents as Kuma 2.14's REST path reads them: the cases of its
 * validator test ({@code
 * pkg/plugins/policies/meshloadbalancingstrategy/api/v1alpha1/validator_test.go}, with MeshService
 * targets by name) and its documentation's examples.
 */
class MeshLoadBalancingStrategyTest {
  private static String policy(String defaults) {
    return meshPolicy(
        MeshLoadBalancingStrategy.TYPE,
        "to:\n  - targetRef: {kind: MeshService, name: svc-2}\n    default:\n"
            + defaults.indent(6));
  }

  @Test
  void kumasValidCasesAreAccepted() {
    // validator_test.go "full spec" (hashPolicies under default) and "full spec leastRequest"
    assertThat(
            problems(
                MeshLoadBalancingStrategy.TYPE,
                policy(
                    """
                    localityAwareness: {disabled: true}
                    hashPolicies:
                      - type: Cookie
                        cookie: {name: cookie-name, ttl: 1s, path: /absolute-path}
                    loadBalancer: {type: Maglev}
                    """)))
        .isEmpty();
    assertThat(
            problems(
                MeshLoadBalancingStrategy.TYPE,
                policy(
                    """
                    localityAwareness: {disabled: true}
                    loadBalancer:
                      type: LeastRequest
                      leastRequest: {activeRequestBias: "1.3"}
                    """)))
        .isEmpty();
  }

  @Test
  void kumasDocumentationHashPolicyExampleUnderRingHashIsAccepted() {
    // From Kuma's documentation (kuma-website app/_src/policies/meshloadbalancingstrategy.md),
    // the RingHash example with its hashPolicies under ringHash, and an empty roundRobin section.
    assertThat(
            problems(
                MeshLoadBalancingStrategy.TYPE,
                policy(
                    """
                    loadBalancer:
                      type: RingHash
                      ringHash:
                        hashFunction: MurmurHash2
                        minRingSize: 64
                        maxRingSize: 1024
                        hashPolicies:
                          - type: Header
                            header:
                              name: x-header
                    """)))
        .isEmpty();
    assertThat(
            problems(
                MeshLoadBalancingStrategy.TYPE,
                policy("loadBalancer: {type: RoundRobin, roundRobin: {}}\n")))
        .isEmpty();
  }

  @Test
  void kumasInvalidHashPoliciesAreRefused() {
    // validator_test.go "invalid hashPolicies" and "removed SourceIP hashPolicies type"; a
    // relative cookie path (validator.go: "must be an absolute path")
    assertThat(
            problems(
                MeshLoadBalancingStrategy.TYPE,
                policy(
                    """
                    hashPolicies:
                      - type: Header
                      - type: Cookie
                      - type: Connection
                        connection: {sourceIP: true}
                      - type: QueryParameter
                      - type: FilterState
                      - type: SourceIP
                      - type: Connection
                      - type: Cookie
                        cookie: {name: c, path: relative}
                    loadBalancer:
                      type: RingHash
                      ringHash:
                        hashPolicies:
                          - type: Cookie
                            cookie: {name: c, path: relative}
                    """)))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactlyInAnyOrder(
            "spec.to[0].default.hashPolicies[0].header",
            "spec.to[0].default.hashPolicies[1].cookie",
            "spec.to[0].default.hashPolicies[3].queryParameter",
            "spec.to[0].default.hashPolicies[4].filterState",
            "spec.to[0].default.hashPolicies[5].type",
            "spec.to[0].default.hashPolicies[6].connection",
            "spec.to[0].default.hashPolicies[7].cookie.path",
            "spec.to[0].default.loadBalancer.ringHash.hashPolicies[0].cookie.path");
  }

  @Test
  void kumasInvalidLocalityAwarenessIsRefused() {
    // validator_test.go "incorrect weight" and "mixing affinity tags with and without weights"
    assertThat(
            problems(
                MeshLoadBalancingStrategy.TYPE,
                policy(
                    """
                    localityAwareness:
                      localZone:
                        affinityTags:
                          - {key: k8s/node, weight: 0}
                          - {key: "", weight: 10}
                          - {key: k8s/az}
                    """)))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .contains(
            "spec.to[0].default.localityAwareness.localZone.affinityTags[0].weight",
            "spec.to[0].default.localityAwareness.localZone.affinityTags[1].key",
            "spec.to[0].default.localityAwareness.localZone.affinityTags");
  }

  @Test
  void crossZoneIsRefusedAsNotSupportedYetAndAffinityTagsAreAccepted() {
    String crossZone = "crossZone: {failover: [{to: {type: Any}}]}";
    assertThat(locality("localZone: {affinityTags: [{key: k8s/node}]}", crossZone))
        .singleElement()
        .asString()
        .startsWith(
            "spec.to[0].default.localityAwareness.crossZone: not supported by Chronomesh yet");
    // Kuma's docs, policies/meshloadbalancingstrategy.md "Local zone affinity", with weights.
    assertThat(
            locality(
                "localZone: {affinityTags: [{key: kubernetes.io/hostname, weight: 9000},"
                    + " {key: topology.kubernetes.io/zone, weight: 9}]}"))
        .isEmpty();
    // An empty list of affinity tags changes nothing, in Kuma too.
    assertThat(locality("localZone: {affinityTags: []}")).isEmpty();
  }

  /** The problems of a conf whose localityAwareness has {@code fields}, one YAML line each. */
  private static java.util.List<String> locality(String... fields) {
    return problems(
        MeshLoadBalancingStrategy.TYPE,
        policy("localityAwareness:\n  " + String.join("\n  ", fields) + "\n"));
  }

  @Test
  void aNegativeActiveRequestBiasIsRefused() {
    // validator_test.go "leastRequest error"
    assertThat(
            problems(
                MeshLoadBalancingStrategy.TYPE,
                policy(
                    """
                    loadBalancer:
                      type: LeastRequest
                      leastRequest: {activeRequestBias: "-1.3"}
                    """)))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactly("spec.to[0].default.loadBalancer.leastRequest.activeRequestBias");
  }
}
