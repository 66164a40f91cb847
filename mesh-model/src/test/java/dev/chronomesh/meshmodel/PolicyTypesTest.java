package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker;
import dev.chronomesh.meshmodel.policies.meshhealthcheck.MeshHealthCheck;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.TargetRef;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The policy types: YAML → stored envelope → YAML round trips, the engine view, and validation. */
class PolicyTypesTest {

  static List<String> types() {
    return Policies.all().stream().map(PolicyType::name).toList();
  }

  private static byte[] resource(String name) {
    try (InputStream in = PolicyTypesTest.class.getResourceAsStream("/policies/" + name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest
  @MethodSource("types")
  void roundTripsThroughAvroToTheSameDocument(String typeName) throws Exception {
    ResourceType type = ResourceType.byName(typeName).orElseThrow();
    byte[] yaml = resource(typeName + ".yaml");
    JsonNode input = Documents.read(yaml, Format.YAML);

    SpecificRecord record = type.parse(yaml, Format.YAML, "default", null);

    assertThat(record).isInstanceOf(PolicyResource.class);
    assertThat(((PolicyResource) record).getType()).isEqualTo(typeName);
    assertThat(Documents.canonicalJson(type.render(record, null, null)))
        .isEqualTo(Documents.canonicalJson(input));
    Policy policy = PolicyResources.toEngine(record).orElseThrow();
    assertThat(policy.type()).isEqualTo(typeName);
    assertThat(policy.mesh()).isEqualTo("default");
    assertThat(policy.to().size() + policy.from().size() + policy.rules().size())
        .as("the engine view has the document's sections")
        .isGreaterThan(policy.defaultConf() == null ? 0 : -1);
  }

  @Test
  void nonPolicyPayloadsHaveNoEngineView() throws Exception {
    assertThat(PolicyResources.toEngine(null)).isEmpty();
    SpecificRecord mesh =
        ResourceType.MESH.parse("type: Mesh\nname: m".getBytes(UTF_8), Format.YAML, null, null);
    assertThat(PolicyResources.toEngine(mesh)).isEmpty();
    assertThat(PolicyResources.isPolicyType("MeshTimeout")).isTrue();
    assertThat(PolicyResources.isPolicyType("Dataplane")).isFalse();
  }

  @Test
  void engineViewOfARouteMergesRulesByMatches() throws Exception {
    SpecificRecord record =
        ResourceType.forPolicy(MeshHTTPRoute.TYPE)
            .parse(resource("MeshHTTPRoute.yaml"), Format.YAML, "default", null);
    Policy policy = PolicyResources.toEngine(record).orElseThrow();
    assertThat(policy.targetRef()).isEqualTo(TargetRef.meshService("frontend"));
    assertThat(policy.to().get(0).conf().fieldNames()).toIterable().containsExactly("rules");
    assertThat(policy.to().get(0).conf().get("rules")).hasSize(2);
  }

  @Test
  void confsBindToTheTypesRecords() throws Exception {
    PolicyResource record =
        (PolicyResource)
            ResourceType.forPolicy(MeshTimeout.TYPE)
                .parse(resource("MeshTimeout.yaml"), Format.YAML, "default", null);
    Policy policy = PolicyResources.toEngine(record).orElseThrow();
    MeshTimeout.Conf conf = MeshTimeout.TYPE.bind(policy.to().get(0).conf());
    assertThat(conf.http().requestTimeout().text()).isEqualTo("15s");
    assertThat(conf.http().requestTimeout().duration()).hasSeconds(15);
    assertThat(record.getLabels()).containsEntry("team", "a");
  }

  private static List<String> violationsOf(ResourceType type, String yaml) {
    try {
      type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
    } catch (ValidationException e) {
      return e.violations().stream().map(v -> v.field()).toList();
    }
    throw new AssertionError("expected violations");
  }

  @Test
  void meshTimeoutViolationsNameEveryPath() {
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshTimeout.TYPE),
                """
                type: MeshTimeout
                mesh: default
                name: t
                spec:
                  to:
                    - targetRef: {kind: MeshSubset, tags: {a: b}}
                      default:
                        idleTimeout: soon
                        bogus: 1
                        http: {requestTimeout: 5}
                  from:
                    - targetRef: {kind: MeshService, name: x}
                      default: {connectionTimeout: -1s}
                """))
        .containsExactlyInAnyOrder(
            "spec.to[0].targetRef.kind",
            "spec.to[0].default.idleTimeout",
            "spec.to[0].default.bogus",
            "spec.to[0].default.http.requestTimeout",
            "spec.from[0].targetRef.kind",
            "spec.from[0].default.connectionTimeout");
  }

  @Test
  void meshRetryViolations() {
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshRetry.TYPE),
                """
                type: MeshRetry
                mesh: default
                name: r
                spec:
                  from: []
                  to:
                    - targetRef: {kind: Mesh}
                      default:
                        tcp: {maxConnectAttempt: 0}
                        http:
                          perTryTimeout: 0s
                          retryOn: [5XX, Nope, "999"]
                          retriableRequestHeaders: [{type: Sometimes, name: x}]
                        grpc: {retryOn: [Unavailable, Reset], numRetries: -1}
                """))
        .containsExactlyInAnyOrder(
            "spec.from",
            "spec.to[0].default.tcp.maxConnectAttempt",
            // Kuma: 5XX is not its enum (5xx is); perTryTimeout 0s means no per-try timeout.
            "spec.to[0].default.http.retryOn[0]",
            "spec.to[0].default.http.retryOn[1]",
            "spec.to[0].default.http.retryOn[2]",
            "spec.to[0].default.http.retriableRequestHeaders[0].type",
            "spec.to[0].default.grpc.retryOn[1]",
            "spec.to[0].default.grpc.numRetries");
  }

  @Test
  void circuitBreakerHealthCheckAndLoadBalancingViolations() {
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshCircuitBreaker.TYPE),
                """
                type: MeshCircuitBreaker
                mesh: default
                name: c
                spec:
                  to:
                    - targetRef: {kind: Mesh}
                      default:
                        connectionLimits: {maxConnections: 0}
                        outlierDetection:
                          maxEjectionPercent: 101
                          detectors:
                            successRate: {standardDeviationFactor: abc}
                            failurePercentage: {threshold: 200}
                """))
        .containsExactlyInAnyOrder(
            "spec.to[0].default.connectionLimits.maxConnections",
            "spec.to[0].default.outlierDetection.maxEjectionPercent",
            "spec.to[0].default.outlierDetection.detectors.successRate.standardDeviationFactor",
            "spec.to[0].default.outlierDetection.detectors.failurePercentage.threshold");
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshHealthCheck.TYPE),
                """
                type: MeshHealthCheck
                mesh: default
                name: h
                spec:
                  to:
                    - targetRef: {kind: Mesh}
                      default:
                        interval: 0s
                        healthyThreshold: 0
                        intervalJitterPercent: 150
                        healthyPanicThreshold: "101"
                        http: {path: "", expectedStatuses: [99]}
                """))
        .containsExactlyInAnyOrder(
            "spec.to[0].default.interval",
            "spec.to[0].default.healthyThreshold",
            "spec.to[0].default.intervalJitterPercent",
            "spec.to[0].default.healthyPanicThreshold",
            "spec.to[0].default.http.path",
            "spec.to[0].default.http.expectedStatuses[0]");
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshLoadBalancingStrategy.TYPE),
                """
                type: MeshLoadBalancingStrategy
                mesh: default
                name: l
                spec:
                  to:
                    - targetRef: {kind: Mesh}
                      default:
                        loadBalancer:
                          type: LeastRequest
                          maglev: {tableSize: 0}
                          leastRequest: {choiceCount: 1}
                    - targetRef: {kind: Mesh}
                      default:
                        loadBalancer:
                          type: RingHash
                          ringHash:
                            hashFunction: SHA
                            hashPolicies: [{type: Header}, {type: Magic}]
                """))
        .containsExactlyInAnyOrder(
            "spec.to[0].default.loadBalancer.maglev",
            "spec.to[0].default.loadBalancer.maglev.tableSize",
            "spec.to[0].default.loadBalancer.leastRequest.choiceCount",
            "spec.to[1].default.loadBalancer.ringHash.hashFunction",
            "spec.to[1].default.loadBalancer.ringHash.hashPolicies[0].header",
            "spec.to[1].default.loadBalancer.ringHash.hashPolicies[1].type");
  }

  @Test
  void routeViolations() {
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshHTTPRoute.TYPE),
                """
                type: MeshHTTPRoute
                mesh: default
                name: r
                spec:
                  to:
                    - targetRef: {kind: Mesh}
                      rules:
                        - matches:
                            - path: {type: Prefix, value: v2}
                              method: FETCH
                          default:
                            filters:
                              - type: RequestRedirect
                                requestRedirect: {statusCode: 200, port: 0}
                              - type: URLRewrite
                            backendRefs:
                              - {kind: Mesh, name: x, weight: -1}
                              - {kind: MeshService}
                """))
        .containsExactlyInAnyOrder(
            "spec.to[0].targetRef.kind",
            "spec.to[0].rules[0].matches[0].path.type",
            "spec.to[0].rules[0].matches[0].method",
            "spec.to[0].rules[0].default.filters[0].requestRedirect.statusCode",
            "spec.to[0].rules[0].default.filters[0].requestRedirect.port",
            "spec.to[0].rules[0].default.filters[1].urlRewrite",
            "spec.to[0].rules[0].default.backendRefs[0].kind",
            "spec.to[0].rules[0].default.backendRefs[0].weight",
            "spec.to[0].rules[0].default.backendRefs[1]");
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshTCPRoute.TYPE),
                """
                type: MeshTCPRoute
                mesh: default
                name: r
                spec:
                  to:
                    - targetRef: {kind: MeshService, name: db}
                      default: {}
                      rules: []
                """))
        .containsExactly("spec.to[0].default");
  }

  @Test
  void specIsRequired() {
    assertThat(
            violationsOf(
                ResourceType.forPolicy(MeshRetry.TYPE),
                "type: MeshRetry\nmesh: default\nname: r\n"))
        .containsExactly("spec");
  }

  @Test
  void labelsOfStoredPoliciesReachTheEngine() throws Exception {
    SpecificRecord record =
        ResourceType.forPolicy(MeshTCPRoute.TYPE)
            .parse(resource("MeshTCPRoute.yaml"), Format.YAML, "default", null);
    Optional<Policy> policy = PolicyResources.toEngine(record);
    assertThat(policy.orElseThrow().labels()).containsEntry(KumaTags.ORIGIN_LABEL, "zone");
    assertThat(policy.get().targetRef()).isEqualTo(TargetRef.meshSubset(Map.of("app", "web")));
  }
}
