package dev.chronomesh.meshmodel.policies.meshproxypatch;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MeshProxyPatch documents as Kuma 2.14's REST path reads them: its documentation's examples
 * (src/test/resources/kuma-docs/meshproxypatch) and the cases of its validator.
 */
class MeshProxyPatchTest {
  @ParameterizedTest
  @ValueSource(strings = {"01", "02", "03", "04", "06", "08"})
  void kumasDocumentationExamplesAreAccepted(String example) {
    assertThat(problems(MeshProxyPatch.TYPE, doc(example))).isEmpty();
  }

  @Test
  void kumasExamplesKuma214RefusesAreRefusedForTheSameReasons() {
    // Kuma's REST schema requires a virtualHost's match, even for Add.
    assertThat(problems(MeshProxyPatch.TYPE, doc("05")))
        .containsExactly("spec.default.appendModifications[0].virtualHost.match: cannot be empty");
    // Kuma's MeshGateway example applies to the builtin gateways bound to it.
    assertThat(problems(MeshProxyPatch.TYPE, doc("07"))).isEmpty();
  }

  @Test
  void everyProblemIsNamedWithItsPath() {
    assertThat(
            problems(
                MeshProxyPatch.TYPE,
                """
                type: MeshProxyPatch
                mesh: default
                name: p
                spec:
                  default:
                    appendModifications:
                      - cluster: {operation: Add, match: {name: x}, value: "name: [1"}
                        listener: {operation: Remove}
                      - cluster: {operation: Replace}
                      - listener: {operation: Patch, value: "a: 1", jsonPatches: [{op: add, path: /a, value: 1}]}
                      - listener: {operation: Patch}
                      - networkFilter: {operation: AddBefore, value: "name: x"}
                      - httpFilter: {operation: Patch, jsonPatches: [{op: mov, path: a}, {op: move, path: /a}]}
                      - virtualHost: {operation: Remove, match: {}, value: "name: x"}
                      - cluster: {operation: Add, value: "unknownField: 1"}
                """))
        .containsExactlyInAnyOrder(
            "spec.default.appendModifications[0]: exactly one modification can be defined at a"
                + " time. Currently, 2 modifications are defined",
            "spec.default.appendModifications[1].cluster.operation: invalid operation. Available"
                + " operations: \"Add\", \"Patch\", \"Remove\"",
            "spec.default.appendModifications[2].listener: must have only one type defined: value,"
                + " jsonPatches",
            "spec.default.appendModifications[3].listener: must have exactly one defined: value,"
                + " jsonPatches",
            "spec.default.appendModifications[4].networkFilter.match.name: must be defined. You need"
                + " to pick a filter before which this one will be added",
            "spec.default.appendModifications[5].httpFilter.match.name: must be defined",
            "spec.default.appendModifications[5].httpFilter.jsonPatches[0].op: must be one of add,"
                + " copy, move, remove, replace, got mov",
            "spec.default.appendModifications[5].httpFilter.jsonPatches[0].path: must be a JSON"
                + " pointer: empty or starting with '/'",
            "spec.default.appendModifications[5].httpFilter.jsonPatches[1].from: must be defined for"
                + " op move",
            "spec.default.appendModifications[6].virtualHost.value: must not be defined",
            "spec.default.appendModifications[7].cluster.value: native Envoy resource is not valid:"
                + " Cannot find field: unknownField in message envoy.config.cluster.v3.Cluster");
  }

  @Test
  void theDefaultIsRequiredAndNotEmpty() {
    assertThat(problems(MeshProxyPatch.TYPE, "type: MeshProxyPatch\nmesh: m\nname: p\nspec: {}\n"))
        .containsExactly("spec.default: must be defined");
    assertThat(
            problems(
                MeshProxyPatch.TYPE,
                "type: MeshProxyPatch\nmesh: m\nname: p\nspec: {default: {appendModifications: []}}\n"))
        .containsExactly("spec.default.appendModifications: must not be empty");
  }

  private static String doc(String example) {
    return resource("/kuma-docs/meshproxypatch/" + example + ".yaml");
  }
}
