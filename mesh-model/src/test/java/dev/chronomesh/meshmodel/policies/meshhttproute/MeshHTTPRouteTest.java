package dev.chronomesh.meshmodel.policies.meshhttproute;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policies.PolicyDocuments;
import dev.chronomesh.meshmodel.policy.TargetRef;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MeshHTTPRoute documents as Kuma 2.14's REST path reads them: the cases of its validator test
 * ({@code src/test/resources/kuma-validator/meshhttproute}, each naming its case) with the messages
 * Kuma gives, and its documentation's examples ({@code kuma-docs/meshhttproute}).
 */
class MeshHTTPRouteTest {
  private static final String RFC1123 =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
          + " '.', and must start and end with an alphanumeric character (e.g. 'example.com',"
          + " regex used for validation is"
          + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

  private static List<String> kumaCase(String file) {
    return problems(MeshHTTPRoute.TYPE, resource("/kuma-validator/meshhttproute/" + file));
  }

  /** A route to {@code backend} with one rule: {@code rule} is its YAML, indented by 8. */
  private static List<String> rule(String rule) {
    return problems(
        MeshHTTPRoute.TYPE,
        """
        type: MeshHTTPRoute
        mesh: default
        name: r
        spec:
          targetRef: {kind: MeshService, name: frontend}
          to:
            - targetRef: {kind: MeshService, name: backend}
              rules:
        """
            + rule.indent(8));
  }

  /** {@link #rule} with a catch-all match and these {@code filters}, indented by 6. */
  private static List<String> filters(String filters) {
    return rule(
        "- matches: [{path: {type: PathPrefix, value: /}}]\n  default:\n    filters:\n"
            + filters.indent(6));
  }

  @Test
  void anEmptyToIsAcceptedAndAddsNoRoute() {
    assertThat(kumaCase("17-valid.yaml")).isEmpty();
    assertThat(kumaCase("18-valid.yaml")).isEmpty();
  }

  @Test
  void pathValuesMustBeAbsoluteAndPrefixesHaveNoTrailingSlash() {
    // Kuma's case "incorrect path match value", with the 'default' the REST schema requires.
    assertThat(kumaCase("05-invalid.yaml"))
        .containsExactly("spec.to[0].rules[0].default: cannot be empty");
    assertThat(
            rule(
                """
                - matches:
                    - path: {value: relative, type: Exact}
                    - path: {value: /trailing/slash/, type: PathPrefix}
                    - path: {value: relative, type: PathPrefix}
                    - path: {value: /, type: PathPrefix}
                    - path: {value: "[a-z]+", type: RegularExpression}
                  default: {}
                """))
        .containsExactly(
            "spec.to[0].rules[0].matches[0].path.value: must be an absolute path",
            "spec.to[0].rules[0].matches[1].path.value: does not need a trailing slash because only"
                + " a `/`-separated prefix or an entire path is matched",
            "spec.to[0].rules[0].matches[2].path.value: must be an absolute path");
  }

  @Test
  void queryParameterNamesAreUnique() {
    // Kuma's case "repeated match query param names".
    assertThat(kumaCase("06-invalid.yaml"))
        .containsExactly("spec.to[0].rules[0].default: cannot be empty");
    assertThat(
            rule(
                """
                - matches:
                    - queryParams:
                        - {type: Exact, name: foo, value: bar}
                        - {type: Exact, name: foo, value: baz}
                  default: {}
                """))
        .containsExactly(
            "spec.to[0].rules[0].matches[0].queryParams[1].name: multiple entries for name foo");
  }

  @Test
  void aFilterNeedsTheSectionOfItsType() {
    // Kuma's case "empty filter", with the 'matches' the REST schema requires.
    assertThat(kumaCase("07-invalid.yaml"))
        .containsExactly("spec.to[0].rules[0].matches: cannot be empty");
    assertThat(
            filters(
                """
                - type: RequestHeaderModifier
                - type: ResponseHeaderModifier
                - type: RequestRedirect
                - type: RequestMirror
                - type: URLRewrite
                """))
        .containsExactly(
            "spec.to[0].rules[0].default.filters[0].requestHeaderModifier: must be defined",
            "spec.to[0].rules[0].default.filters[1].responseHeaderModifier: must be defined",
            "spec.to[0].rules[0].default.filters[2].requestRedirect: must be defined",
            "spec.to[0].rules[0].default.filters[3].requestMirror: must be defined",
            "spec.to[0].rules[0].default.filters[4].urlRewrite: must be defined");
  }

  @Test
  void headerModifiersNeedAnOperationAndUniqueValidNames() {
    // Kuma's case "invalid HeaderModifier filter", with 'matches'; then the schema's rules.
    assertThat(kumaCase("08-invalid.yaml"))
        .containsExactly("spec.to[0].rules[0].matches: cannot be empty");
    assertThat(
            filters(
                """
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: foo, value: bar}, {name: foo, value: bazz}]
                - type: ResponseHeaderModifier
                  responseHeaderModifier: {}
                - type: ResponseHeaderModifier
                  responseHeaderModifier:
                    set: [{name: foo, value: bar}]
                    add: [{name: foo, value: bar}]
                    remove: [foo]
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    add: [{name: X-Upper, value: a}, {name: "a b", value: c}]
                """))
        .containsExactly(
            "spec.to[0].rules[0].default.filters[0].requestHeaderModifier.set[1].name: duplicate"
                + " header name",
            "spec.to[0].rules[0].default.filters[1].responseHeaderModifier: must have at least one"
                + " defined: set, add, remove",
            "spec.to[0].rules[0].default.filters[2].responseHeaderModifier.add[0].name: duplicate"
                + " header name",
            "spec.to[0].rules[0].default.filters[2].responseHeaderModifier.remove[0].name:"
                + " duplicate header name",
            "spec.to[0].rules[0].default.filters[3].requestHeaderModifier.add[0].name: must match"
                + " ^[a-z0-9!#$%&'*+\\-.^_`|~]+$",
            "spec.to[0].rules[0].default.filters[3].requestHeaderModifier.add[1].name: must match"
                + " ^[a-z0-9!#$%&'*+\\-.^_`|~]+$");
  }

  @Test
  void aPrefixRewriteNeedsPrefixMatchesOnly() {
    // Kuma's case "prefix rewrite without prefix match".
    assertThat(kumaCase("09-invalid.yaml"))
        .containsExactly(
            "spec.to[0].rules[0].default.filters[0].urlRewrite.path.replacePrefixMatch: can only"
                + " appear if all matches match a path prefix",
            "spec.to[0].rules[0].default.filters[1].requestRedirect.path.replacePrefixMatch: can"
                + " only appear if all matches match a path prefix");
  }

  @Test
  void presentAndAbsentHeaderMatchesHaveNoValue() {
    // Kuma's case "non-empty value for header present/absent match", with 'default'.
    assertThat(kumaCase("10-invalid.yaml"))
        .containsExactly("spec.to[0].rules[0].default: cannot be empty");
    assertThat(
            rule(
                """
                - matches:
                    - headers:
                        - {type: Present, name: foo, value: x}
                        - {type: Absent, name: foo, value: x}
                        - {type: Present, name: foo}
                        - {name: foo}
                        - {type: Exact, name: Foo, value: x}
                        - {type: RegularExpression, name: foo}
                      queryParams:
                        - {type: RegularExpression, name: q, value: ""}
                  default: {}
                """))
        .containsExactly(
            "spec.to[0].rules[0].matches[0].queryParams[0].value: cannot be empty with type"
                + " RegularExpression (Envoy refuses an empty regex)",
            "spec.to[0].rules[0].matches[0].headers[0].value: must not be defined",
            "spec.to[0].rules[0].matches[0].headers[1].value: must not be defined",
            "spec.to[0].rules[0].matches[0].headers[4].name: must match"
                + " ^[a-z0-9!#$%&'*+\\-.^_`|~]+$",
            "spec.to[0].rules[0].matches[0].headers[5].value: cannot be empty with type"
                + " RegularExpression (Envoy refuses an empty regex)");
  }

  @Test
  void backendRefsNameTheirServiceAndMeshServiceResourcesAreNotSupportedYet() {
    // Kuma's cases "invalid backendRefs", "invalid backendRef in requestMirror", "missing port in
    // backendRefs".
    assertThat(kumaCase("11-invalid.yaml"))
        .containsExactly(
            "spec.to[0].rules[0].default.backendRefs[0].name: must be set when kind is"
                + " MeshServiceSubset");
    assertThat(kumaCase("15-invalid.yaml"))
        .containsExactly(
            "spec.to[0].rules[0].default.filters[0].requestMirror.backendRef.name: must be set"
                + " when kind is MeshServiceSubset");
    assertThat(kumaCase("12-invalid.yaml"))
        .containsExactly(
            "spec.to[0].rules[0].default.backendRefs[0].kind: not supported by Chronomesh yet:"
                + " kind MeshMultiZoneService");
    assertThat(
            rule(
                """
                - matches: [{path: {type: PathPrefix, value: /}}]
                  default:
                    backendRefs:
                      - {kind: MeshService, labels: {kuma.io/display-name: backend}}
                      - {kind: MeshService, name: backend, namespace: kuma-demo, port: 8080}
                      - {kind: MeshService, name: backend, sectionName: http}
                      - {kind: MeshExternalService, name: httpbin}
                      - {kind: Mesh}
                      - {kind: MeshService, name: Backend, tags: {version: v1}, mesh: other}
                    filters:
                      - type: RequestMirror
                        requestMirror:
                          backendRef: {kind: MeshMultiZoneService, name: x, port: 80}
                """))
        .containsExactlyInAnyOrder(
            "spec.to[0].rules[0].default.backendRefs[0].labels: not supported by Chronomesh yet: "
                + TargetRef.MESH_SERVICE_RESOURCES,
            "spec.to[0].rules[0].default.backendRefs[1].namespace: not supported by Chronomesh"
                + " yet: "
                + TargetRef.MESH_SERVICE_RESOURCES,
            "spec.to[0].rules[0].default.backendRefs[2].sectionName: not supported by Chronomesh"
                + " yet: "
                + TargetRef.MESH_SERVICE_RESOURCES,
            "spec.to[0].rules[0].default.backendRefs[3].kind: not supported by Chronomesh yet:"
                + " kind MeshExternalService",
            "spec.to[0].rules[0].default.backendRefs[4].kind: value 'Mesh' is not supported",
            "spec.to[0].rules[0].default.backendRefs[5].mesh: must not be set with kind"
                + " MeshService",
            "spec.to[0].rules[0].default.backendRefs[5].tags: must not be set with kind"
                + " MeshService",
            "spec.to[0].rules[0].default.backendRefs[5].name: invalid characters: must consist of"
                + " lower case alphanumeric characters, '-', '.' and '_'.",
            "spec.to[0].rules[0].default.filters[0].requestMirror.backendRef.kind: value"
                + " 'MeshMultiZoneService' is not supported");
  }

  @Test
  void hostnamesAndHostToBackendHostnameAreForGatewayRoutesOnly() {
    // Kuma's case "hostnames and hostname to backend rewrite not allowed with services".
    assertThat(kumaCase("13-invalid.yaml"))
        .containsExactly(
            "spec.to[0].hostnames: must not be defined",
            "spec.to[0].rules[0].default.filters[0].urlRewrite.hostToBackendHostname: can only be"
                + " set with MeshGateway");
  }

  @Test
  void redirectAndRewriteHostnamesAreDnsNamesNotAddresses() {
    // Kuma's case "invalid hostnames": the same 9 names for a redirect, then for a rewrite.
    List<String> expected = new ArrayList<>();
    for (int base : new int[] {0, 9}) {
      String p =
          "spec.to[0].rules[0].default.filters[%d]."
              + (base == 0 ? "requestRedirect" : "urlRewrite")
              + ".hostname: ";
      expected.add(p.formatted(base) + "cannot be an IP address");
      expected.add(p.formatted(base + 1) + "cannot be an IP address");
      expected.add(p.formatted(base + 2) + RFC1123);
      expected.add(p.formatted(base + 3) + RFC1123);
      expected.add(p.formatted(base + 4) + RFC1123);
      expected.add(p.formatted(base + 5) + RFC1123);
      expected.add(p.formatted(base + 6) + "must be no more than 253 characters");
      expected.add(p.formatted(base + 7) + RFC1123);
      expected.add(p.formatted(base + 8) + "must be no more than 253 characters");
      expected.add(p.formatted(base + 8) + RFC1123);
    }
    assertThat(kumaCase("16-invalid.yaml")).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"01", "02", "03", "04", "14"})
  void targetRefsKumaRefusesAreRefused(String kumaCase) {
    assertThat(kumaCase(kumaCase + "-invalid.yaml")).isNotEmpty();
  }

  @Test
  void aBackendRefWithAPortNamesAPortOfAMeshServiceResource() {
    // Kuma's ReferencesRealObject: a MeshService with port is that port of the MeshService
    // resource; with MeshServiceSubset Kuma ignores the port, which is refused here.
    assertThat(
            rule(
                """
                - matches: [{path: {type: PathPrefix, value: /}}]
                  default:
                    backendRefs:
                      - {kind: MeshService, name: backend-v1, port: 3001, weight: 90}
                      - {kind: MeshServiceSubset, name: backend, tags: {version: v2}, port: 3001}
                      - {kind: MeshService, name: backend-v2, port: 0}
                    filters:
                      - type: RequestMirror
                        requestMirror:
                          backendRef: {kind: MeshService, name: backend-v1-experimental, port: 3001}
                """))
        .containsExactlyInAnyOrder(
            "spec.to[0].rules[0].default.backendRefs[1].port: not supported by Chronomesh yet: a"
                + " port with kind MeshServiceSubset",
            "spec.to[0].rules[0].default.backendRefs[2].port: must be in inclusive range [1, 65535]");
  }

  @Test
  void aRuleWithoutRoutesIsAccepted() {
    // Kuma's schema requires 'rules' but not that it has items: such an item routes nothing.
    assertThat(
            problems(
                MeshHTTPRoute.TYPE,
                """
                type: MeshHTTPRoute
                mesh: default
                name: r
                spec:
                  to:
                    - targetRef: {kind: MeshService, name: backend}
                      rules: []
                """))
        .isEmpty();
  }

  @Test
  void kumasMeshGatewayRoutesWithHostnamesAndHostToBackendHostnameAreAccepted() {
    assertThat(kumaCase("20-valid.yaml")).isEmpty();
    assertThat(kumaCase("19-valid.yaml")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"21"})
  void validKumaCasesOfMeshServiceResourcesAreNotSupportedYet(String kumaCase) {
    assertThat(kumaCase(kumaCase + "-valid.yaml"))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p).contains("not supported by Chronomesh yet"));
  }

  static Stream<String> kumaDocs() {
    return PolicyDocuments.files("/kuma-docs/meshhttproute");
  }

  @ParameterizedTest
  @MethodSource("kumaDocs")
  void kumasDocumentationExamplesAreAcceptedUnlessTheyUseMeshServiceResources(String file) {
    PolicyDocuments.assertKumaDocExample(MeshHTTPRoute.TYPE, "/kuma-docs/meshhttproute/" + file);
  }
}
