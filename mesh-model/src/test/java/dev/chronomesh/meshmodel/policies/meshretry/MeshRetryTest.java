package dev.chronomesh.meshmodel.policies.meshretry;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.meshPolicy;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MeshRetry documents as Kuma 2.14's REST path reads them: the cases of its validator test ({@code
 * pkg/plugins/policies/meshretry/api/v1alpha1/validator_test.go}, with MeshService targets by name,
 * as Chronomesh has no MeshService resources yet) and its documentation's examples.
 */
class MeshRetryTest {
  private static String policy(String to) {
    return meshPolicy(MeshRetry.TYPE, "to:\n" + to.indent(2));
  }

  @Test
  void kumasFullExampleIsAcceptedWithItsRestPathSpellings() {
    // validator_test.go "full example"; header match types as rest.yaml spells them (Prefix, not
    // PREFIX) and status codes as strings, as the REST path requires.
    assertThat(
            problems(
                MeshRetry.TYPE,
                policy(
                    """
                    - targetRef: {kind: Mesh}
                      default:
                        tcp: {maxConnectAttempt: 5}
                    - targetRef: {kind: MeshService, name: backend}
                      default:
                        tcp: {maxConnectAttempt: 5}
                        http:
                          numRetries: 10
                          perTryTimeout: 20s
                          backOff: {baseInterval: 15s, maxInterval: 20m}
                          rateLimitedBackOff:
                            resetHeaders:
                              - {name: retry-after-http, format: Seconds}
                              - {name: x-retry-after-http, format: UnixTimestamp}
                            maxInterval: 21m
                          retryOn: [5xx, GatewayError, Reset, Retriable4xx, ConnectFailure,
                            EnvoyRatelimited, RefusedStream, Http3PostConnectFailure,
                            HttpMethodConnect, HttpMethodDelete, HttpMethodGet, HttpMethodHead,
                            HttpMethodOptions, HttpMethodPatch, HttpMethodPost, HttpMethodPut,
                            HttpMethodTrace, "500", "409", "503"]
                          retriableRequestHeaders:
                            - {type: Prefix, name: x-my-header-1, value: kuma-value-}
                            - {type: RegularExpression, name: x-my-header-2, value: ".*"}
                            - {type: Exact, name: x-my-header-3, value: exact-value}
                          retriableResponseHeaders:
                            - {type: Prefix, name: x-my-header-4, value: kuma-value-}
                          hostSelection:
                            - {predicate: OmitPreviousHosts}
                            - {predicate: OmitPreviousPriorities, updateFrequency: 2}
                          hostSelectionMaxAttempts: 2
                        grpc:
                          numRetries: 10
                          perTryTimeout: 20s
                          backOff: {baseInterval: 15s, maxInterval: 20m}
                          rateLimitedBackOff:
                            resetHeaders:
                              - {name: retry-after-grpc, format: Seconds}
                            maxInterval: 21m
                          retryOn: [Canceled, DeadlineExceeded, Internal, ResourceExhausted,
                            Unavailable]
                    """)))
        .isEmpty();
  }

  @Test
  void kumasMinimalAndEmptyArrayCasesAreAccepted() {
    // validator_test.go: "minimalistic http retry", "empty http arrays", "minimalistic grpc
    // retry", "empty grpc arrays", "http.retryOn with status codes" (as strings)
    assertThat(
            problems(
                MeshRetry.TYPE,
                policy(
                    """
                    - targetRef: {kind: Mesh}
                      default: {http: {numRetries: 5}}
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          numRetries: 5
                          retryOn: []
                          retriableRequestHeaders: []
                          retriableResponseHeaders: []
                    - targetRef: {kind: Mesh}
                      default: {grpc: {numRetries: 5, retryOn: []}}
                    - targetRef: {kind: Mesh}
                      default: {http: {retryOn: ["500", "409"]}}
                    - targetRef: {kind: Mesh}
                      default: {http: {perTryTimeout: 0s}}
                    """)))
        .isEmpty();
  }

  @Test
  void emptySectionsAreRefusedAsKumaRefusesThem() {
    // validator_test.go: "empty 'default", "empty root sections in 'default'", "empty
    // http.backOff", "empty grpc.backOff", "empty *.rateLimitedBackOff.resetHeaders"
    assertThat(
            problems(
                MeshRetry.TYPE,
                policy(
                    """
                    - targetRef: {kind: Mesh}
                      default: {}
                    - targetRef: {kind: Mesh}
                      default: {tcp: {}, http: {}, grpc: {}}
                    - targetRef: {kind: Mesh}
                      default: {http: {backOff: {}}, grpc: {backOff: {}}}
                    - targetRef: {kind: Mesh}
                      default: {http: {rateLimitedBackOff: {}}, grpc: {rateLimitedBackOff: {}}}
                    - targetRef: {kind: Mesh}
                      default: {tcp: {maxConnectAttempt: 0}}
                    """)))
        .containsExactlyInAnyOrder(
            "spec.to[0].default: must have at least one of tcp, http, grpc",
            "spec.to[1].default.tcp: must not be empty",
            "spec.to[1].default.http: must not be empty",
            "spec.to[1].default.grpc: must not be empty",
            "spec.to[2].default.http.backOff: must not be empty",
            "spec.to[2].default.grpc.backOff: must not be empty",
            "spec.to[3].default.http.rateLimitedBackOff.resetHeaders: must be defined",
            "spec.to[3].default.grpc.rateLimitedBackOff.resetHeaders: must be defined",
            "spec.to[4].default.tcp.maxConnectAttempt: must be in inclusive range [1, 2147483647]");
  }

  @Test
  void retryOnIsExactlyKumasEnum() {
    // validator_test.go "http.retryOn with not allowed values" and "grpc.retryOn with not allowed
    // values": 5XX and Envoy's spellings are refused, as are status codes Go does not know.
    assertThat(
            problems(
                MeshRetry.TYPE,
                policy(
                    """
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          retryOn: [WRONG_VALUE, 5XX, reset, DEADLINE_EXCEEDED, "123", "952",
                            gateway-error, 5xx, "429"]
                        grpc:
                          retryOn: ["500", reset, wrong, Unavailable]
                    """)))
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactlyInAnyOrder(
            "spec.to[0].default.http.retryOn[0]",
            "spec.to[0].default.http.retryOn[1]",
            "spec.to[0].default.http.retryOn[2]",
            "spec.to[0].default.http.retryOn[3]",
            "spec.to[0].default.http.retryOn[4]",
            "spec.to[0].default.http.retryOn[5]",
            "spec.to[0].default.http.retryOn[6]",
            "spec.to[0].default.grpc.retryOn[0]",
            "spec.to[0].default.grpc.retryOn[1]",
            "spec.to[0].default.grpc.retryOn[2]");
  }

  @Test
  void statusCodesAreStringsAsInKumasSchema() {
    // rest.yaml: retryOn items are strings; a YAML number is refused on the REST path.
    assertThat(
            problems(
                MeshRetry.TYPE,
                policy(
                    """
                    - targetRef: {kind: Mesh}
                      default: {http: {retryOn: [503]}}
                    """)))
        .containsExactly("spec.to[0].default.http.retryOn[0]: must be a string");
  }

  @Test
  void rateLimitedBackOffAndHostSelectionAreCheckedAsKumaChecksThem() {
    // validator_test.go: "empty http.rateLimitedBackOff.resetHeaders.name and wrong format",
    // "missing tags when hostSelection set to OmitHostsWithTags", "update frequency less than 1
    // specified for OmitPreviousPriorites", "incorrect / unsupported predicate type specified in
    // hostSelection", "OmitPreviousPriorities specified twice"
    assertThat(
            problems(
                MeshRetry.TYPE,
                policy(
                    """
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          rateLimitedBackOff:
                            resetHeaders: [{name: "", format: UnixTimestamp}]
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          hostSelection: [{predicate: OmitHostsWithTags}]
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          hostSelection: [{predicate: OmitPreviousPriorities, updateFrequency: 0}]
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          hostSelection:
                            - {predicate: OmitPreviousHosts}
                            - {predicate: IncorrectPredicateType}
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          hostSelection:
                            - {predicate: OmitPreviousPriorities, updateFrequency: 3}
                            - {predicate: OmitPreviousHosts}
                            - {predicate: OmitPreviousPriorities, updateFrequency: 1}
                    - targetRef: {kind: Mesh}
                      default:
                        grpc:
                          rateLimitedBackOff:
                            resetHeaders: [{name: Retry-After, format: Minutes}]
                            maxInterval: 0s
                    """)))
        .containsExactlyInAnyOrder(
            "spec.to[0].default.http.rateLimitedBackOff.resetHeaders[0].name: must be defined",
            "spec.to[1].default.http.hostSelection[0].tags: must be defined",
            "spec.to[1].default.http.hostSelection[0].predicate: not supported by Chronomesh yet:"
                + " OmitHostsWithTags matches endpoint metadata, and the endpoints Chronomesh"
                + " sends carry no tags yet",
            "spec.to[2].default.http.hostSelection[0].updateFrequency: must be defined and"
                + " greater than zero",
            "spec.to[3].default.http.hostSelection[1].predicate: must be one of"
                + " OmitHostsWithTags, OmitPreviousHosts, OmitPreviousPriorities, got"
                + " IncorrectPredicateType",
            "spec.to[4].default.http.hostSelection[2].predicate: OmitPreviousPriorities must only"
                + " be specified once",
            "spec.to[5].default.grpc.rateLimitedBackOff.resetHeaders[0].name: must be a"
                + " lower-case HTTP header name of at most 256 characters",
            "spec.to[5].default.grpc.rateLimitedBackOff.resetHeaders[0].format: must be one of"
                + " Seconds, UnixTimestamp, got Minutes",
            "spec.to[5].default.grpc.rateLimitedBackOff.maxInterval: must be greater than 0s");
  }

  @Test
  void kumasDocumentationRateLimitedBackOffExampleIsAccepted() {
    // From Kuma's documentation (kuma-website app/_src/policies/meshretry.md), the
    // rateLimitedBackOff snippet inside a MeshRetry http section.
    assertThat(
            problems(
                MeshRetry.TYPE,
                policy(
                    """
                    - targetRef: {kind: Mesh}
                      default:
                        http:
                          retryOn: ["503"]
                          rateLimitedBackOff:
                            resetHeaders:
                              - name: retry-after
                                format: Seconds
                              - name: x-ratelimit-reset
                                format: UnixTimestamp
                    """)))
        .isEmpty();
  }
}
