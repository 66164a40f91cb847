package dev.chronomesh.meshmodel.policies.meshtrafficpermission;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.meshPolicy;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.SpiffeIds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MeshTrafficPermission documents as Kuma 2.14's validator reads them ({@code
 * pkg/plugins/policies/meshtrafficpermission/api/v1alpha1/validator_test.go}, the cases in
 * src/test/resources/kuma-validator/meshtrafficpermission), with Kuma's messages. Paths are the
 * document's: Kuma's validator leaves {@code .default} out of a rule's paths ({@code
 * spec.rules[0].allow[0]}); Chronomesh names the field where it is.
 */
class MeshTrafficPermissionTest {
  private static final String T = "MeshTrafficPermission";

  private static String mtp(String sections) {
    return meshPolicy(MeshTrafficPermission.TYPE, sections);
  }

  @Test
  void acceptsFromItemsOfEveryKindAndEveryAction() {
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                resource("/kuma-validator/meshtrafficpermission/01-valid.yaml")))
        .isEmpty();
  }

  @Test
  void acceptsKumasFullRulesExample() {
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                resource("/kuma-validator/meshtrafficpermission/05-valid.yaml")))
        .isEmpty();
  }

  @Test
  void refusesEmptySectionsAsKumaDoes() {
    assertThat(problems(MeshTrafficPermission.TYPE, mtp("from: []")))
        .containsExactly("spec: at least one of 'from' or 'rules' has to be defined");
    assertThat(problems(MeshTrafficPermission.TYPE, mtp("rules: []")))
        .containsExactly("spec: at least one of 'from' or 'rules' has to be defined");
    assertThat(problems(MeshTrafficPermission.TYPE, mtp("")))
        .containsExactly("spec: at least one of 'from' or 'rules' has to be defined");
  }

  @Test
  void refusesFromAndRulesTogether() {
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                mtp(
                    """
                    from: [{targetRef: {kind: Mesh}, default: {action: Allow}}]
                    rules: [{default: {allow: [{spiffeID: {type: Exact, value: spiffe://default/web}}]}}]
                    """)))
        .containsExactly("spec.rules: must not be combined with 'to' or 'from'");
  }

  @Test
  void aFromItemNeedsOneOfKumasActions() {
    assertThat(problems(MeshTrafficPermission.TYPE, mtp("from: [{targetRef: {kind: Mesh}}]")))
        .containsExactly("spec.from[0].default: cannot be empty");
    assertThat(
            problems(
                MeshTrafficPermission.TYPE, mtp("from: [{targetRef: {kind: Mesh}, default: {}}]")))
        .containsExactly("spec.from[0].default.action: must be defined");
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                mtp("from: [{targetRef: {kind: Mesh}, default: {action: Permit}}]")))
        .containsExactly(
            "spec.from[0].default.action: must be one of Allow, AllowWithShadowDeny, Deny, got"
                + " Permit");
  }

  @Test
  void listsBelongToRulesAndActionToFrom() {
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                mtp(
                    """
                    from:
                      - targetRef: {kind: Mesh}
                        default:
                          action: Allow
                          deny: [{spiffeID: {type: Exact, value: spiffe://default/web}}]
                    """)))
        .containsExactly("spec.from[0].default.deny: unknown field");
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                mtp(
                    """
                    rules:
                      - default:
                          action: Allow
                          allow: [{spiffeID: {type: Exact, value: spiffe://default/web}}]
                    """)))
        .containsExactly("spec.rules[0].default.action: unknown field");
  }

  @Test
  void aRuleNeedsAMatchList() {
    assertThat(problems(MeshTrafficPermission.TYPE, mtp("rules: [{default: {deny: []}}]")))
        .containsExactly(
            "spec.rules[0]: at least one of 'allow', 'allowWithShadowDeny', 'deny' has to be"
                + " defined");
  }

  @Test
  void refusesWhatKumaRefusesOfSpiffeIds() {
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                resource("/kuma-validator/meshtrafficpermission/15-invalid.yaml")))
        .containsExactly(
            "spec.rules[0].default.allow[0].spiffeID: must be a valid Spiffe ID: scheme is missing"
                + " or invalid",
            "spec.rules[0].default.allowWithShadowDeny[0].spiffeID: must be a valid Spiffe ID:"
                + " scheme is missing or invalid",
            "spec.rules[0].default.deny[0].spiffeID: must be a valid Spiffe ID: scheme is missing"
                + " or invalid");
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                mtp(
                    "rules: [{default: {allow: [{spiffeID: {type: Regex, value: spiffe://a/b}}]}}]")))
        .containsExactly(
            "spec.rules[0].default.allow[0].spiffeID.type: must be one of Exact, Prefix, got"
                + " Regex");
    assertThat(problems(MeshTrafficPermission.TYPE, mtp("rules: [{default: {allow: [{}]}}]")))
        .containsExactly("spec.rules[0].default.allow[0].spiffeID: must be defined");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "spiffe://default|",
        "spiffe://default/web|",
        "spiffe://trust.domain/ns/a-b/sa/c_d.e|",
        "''|cannot be empty",
        "http://default/web|scheme is missing or invalid",
        "spiffe:///web|trust domain is missing",
        "spiffe://Default/web|trust domain characters are limited to lowercase letters, numbers,"
            + " dots, dashes, and underscores",
        "spiffe://default//web|path cannot contain empty segments",
        "spiffe://default/web/|path cannot have a trailing slash",
        "spiffe://default/../web|path cannot contain dot segments",
        "spiffe://default/w%20b|path segment characters are limited to letters, numbers, dots,"
            + " dashes, and underscores",
      })
  void checksSpiffeIdsAsGoSpiffeDoes(String id, String problem) {
    assertThat(SpiffeIds.problem(id)).isEqualTo(problem);
  }

  @Test
  void sniMatchesAreRefusedAsNotSupportedYet() {
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                resource("/kuma-validator/meshtrafficpermission/06-valid.yaml")))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .startsWith(
                        "spec.rules[0].default.allow[0].sni: " + Violations.NOT_SUPPORTED_YET));
  }

  @Test
  void rulesOfSeveralPoliciesAppendTheirListsWhenMerged() {
    var json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
    var first = json.objectNode();
    first
        .putArray("allow")
        .addObject()
        .putObject("spiffeID")
        .put("type", "Prefix")
        .put("value", "spiffe://default/");
    var second = json.objectNode();
    second
        .putArray("deny")
        .addObject()
        .putObject("spiffeID")
        .put("type", "Exact")
        .put("value", "spiffe://default/web");
    second
        .putArray("allow")
        .addObject()
        .putObject("spiffeID")
        .put("type", "Exact")
        .put("value", "spiffe://default/api");
    MeshTrafficPermission.Conf merged =
        MeshTrafficPermission.TYPE.bind(
            MeshTrafficPermission.TYPE.engine().merge(java.util.List.of(first, second)));
    assertThat(merged.list("allow")).hasSize(2);
    assertThat(merged.list("deny")).hasSize(1);
  }

  @Test
  void refusesKindsKumaRefuses() {
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                "type: "
                    + T
                    + "\nmesh: default\nname: p\nspec:\n  targetRef: {kind: MeshGateway, name: gw}\n"
                    + "  from: [{targetRef: {kind: Mesh}, default: {action: Allow}}]\n"))
        .contains("spec.targetRef.kind: value 'MeshGateway' is not supported");
    assertThat(
            problems(
                MeshTrafficPermission.TYPE,
                mtp("from: [{targetRef: {kind: Dataplane, name: dp}, default: {action: Allow}}]")))
        .isNotEmpty();
    assertThat(problems(MeshTrafficPermission.TYPE, mtp("to: []")))
        .contains("spec.to: unknown field");
  }
}
