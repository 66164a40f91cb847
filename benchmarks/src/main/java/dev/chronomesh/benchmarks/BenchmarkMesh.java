package dev.chronomesh.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyJson;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The synthetic mesh the benchmarks generate from: {@code services} services of {@link #INSTANCES}
 * dataplanes each (even services speak HTTP, odd ones gRPC; instances alternate the tags {@code
 * version: v1} and {@code v2}), every dataplane calling the next {@link #OUTBOUNDS} services, the
 * last instance of every service a proxyless gRPC client, and three mesh-wide policies: a
 * MeshTimeout, a MeshRetry and a MeshHTTPRoute splitting the traffic to svc-1 (gRPC) and svc-2
 * (HTTP) between versions.
 */
final class BenchmarkMesh {
  static final String MESH = "default";
  static final int INSTANCES = 10;
  static final int OUTBOUNDS = 5;

  /** The dataplane whose sidecar config is benchmarked. */
  static final String SIDECAR = dataplaneName(0, 0);

  /** The dataplane whose proxyless config is benchmarked: it calls the same services. */
  static final String PROXYLESS = dataplaneName(0, INSTANCES - 1);

  private static final String POLICIES =
      """
      type: MeshTimeout
      mesh: default
      name: timeouts
      spec:
        targetRef: {kind: Mesh}
        to:
          - targetRef: {kind: Mesh}
            default:
              connectionTimeout: 2s
              idleTimeout: 20m
              http:
                requestTimeout: 5s
                streamIdleTimeout: 40s
                maxStreamDuration: 30s
      ---
      type: MeshRetry
      mesh: default
      name: retries
      spec:
        targetRef: {kind: Mesh}
        to:
          - targetRef: {kind: Mesh}
            default:
              http:
                numRetries: 3
                perTryTimeout: 1s
                backOff: {baseInterval: 50ms, maxInterval: 500ms}
                retryOn: [5xx, Reset]
              grpc:
                numRetries: 2
                perTryTimeout: 1s
                retryOn: [Unavailable, DeadlineExceeded]
      ---
      type: MeshHTTPRoute
      mesh: default
      name: canaries
      spec:
        targetRef: {kind: Mesh}
        to:
          - targetRef: {kind: MeshService, name: svc-1}
            rules:
              - matches: [{path: {type: Exact, value: /pkg.Greeter/SayHello}}]
                default:
                  backendRefs: [{kind: MeshServiceSubset, name: svc-1, tags: {version: v2}}]
              - matches: [{path: {type: PathPrefix, value: /}}]
                default:
                  backendRefs:
                    - {kind: MeshServiceSubset, name: svc-1, tags: {version: v1}, weight: 90}
                    - {kind: MeshServiceSubset, name: svc-1, tags: {version: v2}, weight: 10}
          - targetRef: {kind: MeshService, name: svc-2}
            rules:
              - matches: [{path: {type: PathPrefix, value: /api}, method: GET}]
                default:
                  backendRefs:
                    - {kind: MeshServiceSubset, name: svc-2, tags: {version: v1}, weight: 80}
                    - {kind: MeshServiceSubset, name: svc-2, tags: {version: v2}, weight: 20}
      """;

  /** In an mTLS mesh: every peer of the mesh may call every service (Kuma's allow-all). */
  static final String PERMISSION =
      """
      type: MeshTrafficPermission
      mesh: default
      name: allow-all
      spec:
        targetRef: {kind: Mesh}
        from:
          - targetRef: {kind: Mesh}
            default: {action: Allow}
      """;

  private BenchmarkMesh() {}

  static String service(int s) {
    return "svc-" + s;
  }

  static String dataplaneName(int s, int i) {
    return service(s) + "-" + i;
  }

  /**
   * The mesh of {@code services} services.
   *
   * @throws IllegalArgumentException when {@code services} is too small for the outbounds
   */
  static MeshResources build(int services) {
    return build(services, false);
  }

  /**
   * The mesh of {@code services} services; with {@code mtls}, its Mesh enables a builtin mTLS
   * backend (TLS contexts on every cluster and inbound) and a MeshTrafficPermission lets every peer
   * of the mesh in (an RBAC filter on every inbound), as a zero-trust mesh runs.
   */
  static MeshResources build(int services, boolean mtls) {
    if (services <= OUTBOUNDS || services > 250) {
      throw new IllegalArgumentException(
          "services must be in " + (OUTBOUNDS + 1) + "..250, was " + services);
    }
    List<DataplaneResource> dataplanes = new ArrayList<>(services * INSTANCES);
    for (int s = 0; s < services; s++) {
      List<Outbound> outbounds = new ArrayList<>(OUTBOUNDS);
      for (int k = 1; k <= OUTBOUNDS; k++) {
        outbounds.add(
            Outbound.newBuilder()
                .setPort(10000 + k)
                .setTags(Map.of(KumaTags.SERVICE, service((s + k) % services)))
                .build());
      }
      for (int i = 0; i < INSTANCES; i++) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(KumaTags.SERVICE, service(s));
        tags.put(KumaTags.PROTOCOL, s % 2 == 0 ? "http" : "grpc");
        tags.put("version", i % 2 == 0 ? "v1" : "v2");
        Map<String, String> labels =
            i == INSTANCES - 1 ? Map.of(KumaTags.PROXY_TYPE_LABEL, KumaTags.PROXYLESS) : Map.of();
        dataplanes.add(
            DataplaneResource.newBuilder()
                .setMesh(MESH)
                .setName(dataplaneName(s, i))
                .setLabels(labels)
                .setAddress("10.0." + s + "." + (i + 1))
                .setInbound(List.of(Inbound.newBuilder().setPort(8080).setTags(tags).build()))
                .setOutbound(outbounds)
                .build());
      }
    }
    MeshResource.Builder mesh = MeshResource.newBuilder().setName(MESH);
    List<Policy> policies = new ArrayList<>(policies(POLICIES));
    if (mtls) {
      mesh.setMtls(
          Mtls.newBuilder()
              .setEnabledBackend("ca-1")
              .setBackends(
                  List.of(MtlsBackend.newBuilder().setName("ca-1").setType("builtin").build()))
              .build());
      policies.addAll(policies(PERMISSION));
    }
    return new MeshResources(mesh.build(), dataplanes, policies);
  }

  /** The dataplane named {@code name} of {@code mesh}. */
  static DataplaneResource dataplane(MeshResources mesh, String name) {
    return mesh.dataplanes().stream()
        .filter(dp -> dp.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no dataplane " + name));
  }

  /**
   * The three policies, parsed and validated as the REST API would.
   *
   * @throws IllegalStateException naming every violation, so a policy the generator would silently
   *     drop never makes a benchmark measure less than it claims
   */
  static List<Policy> policies() {
    return policies(POLICIES);
  }

  private static List<Policy> policies(String yamlDocuments) {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<Policy> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    String[] documents = yamlDocuments.split("(?m)^---\\s*$");
    for (int i = 0; i < documents.length; i++) {
      List<Violation> violations = new ArrayList<>();
      Policy policy;
      try {
        policy = PolicyJson.parse(yaml.readTree(documents[i]), violations);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("policies document " + i + ": " + e.getMessage(), e);
      }
      if (policy != null) {
        violations.addAll(policy.violations());
      }
      if (!violations.isEmpty()) {
        problems.add("policies document " + i + ": " + violations);
      } else {
        out.add(policy);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("invalid benchmark policies: " + problems);
    }
    return out;
  }
}
