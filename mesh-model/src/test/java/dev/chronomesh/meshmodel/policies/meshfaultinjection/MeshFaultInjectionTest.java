package dev.chronomesh.meshmodel.policies.meshfaultinjection;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyJson;
import dev.chronomesh.meshmodel.policy.RuleMatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MeshFaultInjection documents as Kuma 2.14's REST path reads them: its documentation's examples
 * (src/test/resources/kuma-docs/meshfaultinjection) and the cases of its validator.
 */
class MeshFaultInjectionTest {
  private static final String GATEWAY_SCOPE =
      "spec.from: must not be defined when the scope includes a Gateway, select only proxyType"
          + " Sidecar or select only gateways and use spec.to";
  private static final String MESH_NAME =
      "spec.from[0].targetRef.name: must not be set with kind Mesh";

  @ParameterizedTest
  @ValueSource(strings = {"02", "03", "04", "10", "11", "12"})
  void kumasDocumentationExamplesForCurrentVersionsAreAccepted(String example) {
    assertThat(problems(MeshFaultInjection.TYPE, doc(example))).isEmpty();
  }

  @Test
  void kumasExamplesKuma214RefusesAreRefusedForTheSameReasons() {
    // Up to 2.5: a MeshSubset without proxyTypes includes gateways, where 'from' does not apply.
    assertThat(problems(MeshFaultInjection.TYPE, doc("01"))).containsExactly(GATEWAY_SCOPE);
    assertThat(problems(MeshFaultInjection.TYPE, doc("09"))).containsExactly(GATEWAY_SCOPE);
    // `kind: Mesh, name: default`: Kuma 2.14 says "using name with kind Mesh is not yet supported".
    assertThat(problems(MeshFaultInjection.TYPE, doc("05")))
        .containsExactlyInAnyOrder(GATEWAY_SCOPE, MESH_NAME);
    for (String example : new String[] {"06", "07", "08"}) {
      assertThat(problems(MeshFaultInjection.TYPE, doc(example)))
          .as(example)
          .containsExactly(MESH_NAME);
    }
  }

  @Test
  void everyProblemIsNamedWithItsPath() {
    assertThat(
            problems(
                MeshFaultInjection.TYPE,
                """
                type: MeshFaultInjection
                mesh: default
                name: f
                spec:
                  targetRef: {kind: MeshService, name: backend}
                  from:
                    - targetRef: {kind: MeshSubset, tags: {kuma.io/service: web}}
                      default:
                        http:
                          - abort: {httpStatus: 600, percentage: "abc"}
                            delay: {value: soon, percentage: 101}
                            responseBandwidth: {limit: 10kbs, percentage: "-1"}
                          - abort: {percentage: 10}
                    - targetRef: {kind: Dataplane, name: web-1}
                      default: {http: []}
                """))
        .containsExactlyInAnyOrder(
            "spec.from[0].default.http[0].abort.httpStatus: must be in inclusive range [200, 599]",
            "spec.from[0].default.http[0].abort.percentage: string must be a valid number",
            "spec.from[0].default.http[0].delay.value: must be a duration such as 10s, 1m30s or"
                + " 100ms, got soon",
            "spec.from[0].default.http[0].responseBandwidth.limit: must be in kbps/Mbps/Gbps units",
            "spec.from[0].default.http[0].responseBandwidth.percentage: must be in inclusive range"
                + " [0.0, 100.0]",
            "spec.from[0].default.http[1].abort.httpStatus: cannot be empty",
            "spec.from[1].targetRef.kind: must be Mesh, MeshSubset, MeshService or"
                + " MeshServiceSubset in 'from', got Dataplane");
  }

  @Test
  void toIsForGatewaysOnly() {
    String doc =
        """
        type: MeshFaultInjection
        mesh: default
        name: f
        spec:
          targetRef: {kind: %s}
          to:
            - targetRef: {kind: Mesh}
              default: {http: [{abort: {httpStatus: 500, percentage: 1}}]}
        """;
    assertThat(problems(MeshFaultInjection.TYPE, doc.formatted("MeshGateway, name: edge")))
        .isEmpty();
    assertThat(problems(MeshFaultInjection.TYPE, doc.formatted("Dataplane, name: web-1")))
        .containsExactly("spec.to: must not be defined");
    // Kuma refuses 'from' beside 'rules', not 'to': gateways get 'to', sidecars 'rules'.
    assertThat(
            problems(
                MeshFaultInjection.TYPE,
                doc.formatted("Mesh")
                    + "  rules:\n    - default: {http: [{delay: {value: 1s, percentage: 1}}]}\n"))
        .isEmpty();
  }

  @Test
  void rulesMatchOnTheCallersSpiffeIdOrTheSniAsKumasValidatorSays() {
    // Kuma's validator cases "accepts rules matches with sni", "matches sni incorrect" and
    // "matches spiffeID incorrect" (v2.14.3), and its MeshTimeout/MeshRateLimit rule that a match
    // names at least one of them.
    String valid =
        """
        type: MeshFaultInjection
        mesh: default
        name: f
        spec:
          targetRef: {kind: Mesh}
          rules:
            - matches:
                - sni: {type: Exact, value: sni.extsvc.default.zone-1.aws-aurora.8443}
                - spiffeID: {type: Prefix, value: spiffe://default/ns/test}
              default: {http: [{responseBandwidth: {limit: 1000Mbps, percentage: 50}}]}
        """;
    assertThat(problems(MeshFaultInjection.TYPE, valid)).isEmpty();
    assertThat(
            problems(
                MeshFaultInjection.TYPE,
                """
                type: MeshFaultInjection
                mesh: default
                name: f
                spec:
                  targetRef: {kind: Mesh}
                  rules:
                    - matches:
                        - sni: {type: Prefix, value: sni.extsvc.default.zone-1.aws-aurora.8443}
                        - spiffeID: {type: Exact, value: not-valid}
                        - spiffeID: {type: Regex, value: spiffe://default/web}
                        - sni: {type: Exact, value: Not_A_Name}
                        - {}
                      default: {http: [{responseBandwidth: {limit: 1000Mbps, percentage: 50}}]}
                """))
        .containsExactly(
            "spec.rules[0].matches[0].sni.type: unrecognized type \"Prefix\", supported values"
                + " are: Exact",
            "spec.rules[0].matches[1].spiffeID: must be a valid Spiffe ID: scheme is missing or"
                + " invalid",
            "spec.rules[0].matches[2].spiffeID.type: must be one of Exact, Prefix, got Regex",
            "spec.rules[0].matches[3].sni.value: a lowercase RFC 1123 subdomain must consist of"
                + " lower case alphanumeric characters, '-' or '.', and must start and end with an"
                + " alphanumeric character (e.g. 'example.com', regex used for validation is"
                + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "spec.rules[0].matches[4]: must specify at least one of 'spiffeID' or 'sni'");
  }

  @Test
  void rulesMatchesAreKeptInTheCanonicalSpec() throws Exception {
    List<Violation> violations = new ArrayList<>();
    Policy policy =
        PolicyJson.parse(
            new ObjectMapper(new YAMLFactory())
                .readTree(
                    """
            type: MeshFaultInjection
            mesh: default
            name: f
            spec:
              targetRef: {kind: Mesh}
              rules:
                - matches: [{spiffeID: {type: Exact, value: spiffe://default/web}}]
                  default: {http: [{abort: {httpStatus: 503, percentage: 10}}]}
            """),
            violations);
    assertThat(violations).isEmpty();
    assertThat(policy.rules().get(0).matches())
        .containsExactly(
            new RuleMatch(new RuleMatch.ValueMatch("Exact", "spiffe://default/web"), null));
  }

  private static String doc(String example) {
    return resource("/kuma-docs/meshfaultinjection/" + example + ".yaml");
  }
}
