package dev.chronomesh.meshmodel.policies.meshtcproute;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policies.PolicyDocuments;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MeshTCPRoute documents as Kuma 2.14's REST path reads them: the cases of its validator test
 * ({@code src/test/resources/kuma-validator/meshtcproute}) and its schema's list sizes.
 */
class MeshTCPRouteTest {
  private static List<String> kumaCase(String file) {
    return problems(MeshTCPRoute.TYPE, resource("/kuma-validator/meshtcproute/" + file));
  }

  private static List<String> spec(String spec) {
    return problems(
        MeshTCPRoute.TYPE, "type: MeshTCPRoute\nmesh: default\nname: r\nspec:\n" + spec.indent(2));
  }

  @Test
  void kumasValidCaseIsAccepted() {
    assertThat(kumaCase("06-valid.yaml")).isEmpty();
  }

  @Test
  void kumasInvalidCasesAreRefused() {
    assertThat(kumaCase("01-invalid.yaml")).isNotEmpty();
    assertThat(kumaCase("02-invalid.yaml"))
        .contains("spec.to[0].targetRef.kind: must be MeshService in 'to', got Mesh");
    assertThat(kumaCase("03-invalid.yaml")).isNotEmpty();
    assertThat(kumaCase("04-invalid.yaml"))
        .containsExactly(
            "spec.to[0].rules[0].default.backendRefs[0].name: must be set when kind is"
                + " MeshServiceSubset");
    assertThat(kumaCase("05-invalid.yaml"))
        .containsExactly(
            "spec.to[0].rules[0].default.backendRefs[0].kind: not supported by Chronomesh yet:"
                + " kind MeshMultiZoneService");
  }

  @Test
  void rulesAreRequiredAsKumasSchemaSaysThoughItsValidatorTestAcceptsNone() {
    // Kuma's case "accepts valid resource without to.rules" skips the REST schema, which requires
    // 'rules'.
    assertThat(kumaCase("07-schema-invalid.yaml"))
        .containsExactly("spec.to[0].rules: cannot be empty");
  }

  @Test
  void gatewaysAndMeshServiceResourcesAreNotSupportedYet() {
    // Kuma's case "accepts MeshGateway with listener tags targeted route": the tag value its REST
    // schema refuses (a number).
    assertThat(kumaCase("08-schema-invalid.yaml"))
        .containsExactly("spec.targetRef.tags[\"port\"]: must be a string");
    assertThat(kumaCase("09-valid.yaml"))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p).contains("not supported by Chronomesh yet"));
  }

  @Test
  void toHasItemsRulesOneAndEachRuleBackends() {
    assertThat(spec("to: []")).containsExactly("spec.to: must have at least 1 items");
    assertThat(spec("targetRef: {kind: Mesh}")).isEmpty();
    assertThat(
            spec(
                """
                to:
                  - targetRef: {kind: MeshService, name: db}
                    rules:
                      - default: {}
                      - default: {backendRefs: []}
                """))
        .containsExactly(
            "spec.to[0].rules: must have at most 1 items",
            "spec.to[0].rules[0].default.backendRefs: must be defined",
            "spec.to[0].rules[1].default.backendRefs: must be defined");
  }

  static Stream<String> kumaDocs() {
    return PolicyDocuments.files("/kuma-docs/meshtcproute");
  }

  @ParameterizedTest
  @MethodSource("kumaDocs")
  void kumasDocumentationExamplesAreAcceptedUnlessTheyUseMeshServiceResources(String file) {
    PolicyDocuments.assertKumaDocExample(MeshTCPRoute.TYPE, "/kuma-docs/meshtcproute/" + file);
  }
}
