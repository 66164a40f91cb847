package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.MeshResource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * The policies Kuma 2.14 creates with a new mesh ({@code pkg/defaults/mesh/} in kumahq/kuma,
 * v2.14.3: {@code EnsureDefaultMeshResources} with {@code meshtimeout.go}, {@code meshretry.go},
 * {@code meshcircuitbreaker.go}), with Kuma's names and contents: {@code mesh-timeout-all-<mesh>},
 * {@code mesh-retry-all-<mesh>}, {@code mesh-circuit-breaker-all-<mesh>}. For builtin gateways,
 * Kuma's fourth: {@code mesh-gateways-timeout-all-<mesh>}. {@code skipCreatingInitialPolicies}
 * names the types to leave out, or "*" for all of them.
 *
 * <p>They are ordinary policies: the {@link Decider} writes them as events of the decision that
 * creates the mesh, with actor {@link #ACTOR}, and a user may then change or delete them.
 */
public final class DefaultMeshPolicies {
  /** The actor of the events that create the default policies, as Kuma's own writes are. */
  public static final String ACTOR = "system";

  /** What skipCreatingInitialPolicies holds to skip every default policy. */
  public static final String ALL = "*";

  private DefaultMeshPolicies() {}

  /** One default policy: its type, name and validated payload. */
  public record Policy(ResourceType type, String name, SpecificRecord payload) {}

  /** The default policies of a new mesh, sorted by name, without those the mesh skips. */
  public static List<Policy> of(MeshResource mesh) {
    List<String> skip = mesh.getSkipCreatingInitialPolicies();
    List<Policy> out = new ArrayList<>();
    if (skip.contains(ALL)) {
      return out;
    }
    String name = mesh.getName();
    add(out, skip, "MeshCircuitBreaker", "mesh-circuit-breaker-all-" + name, name, CIRCUIT_BREAKER);
    add(out, skip, "MeshTimeout", "mesh-gateways-timeout-all-" + name, name, GATEWAYS_TIMEOUT);
    add(out, skip, "MeshRetry", "mesh-retry-all-" + name, name, RETRY);
    add(out, skip, "MeshTimeout", "mesh-timeout-all-" + name, name, TIMEOUT);
    return out;
  }

  private static void add(
      List<Policy> out, List<String> skip, String type, String name, String mesh, String spec) {
    if (skip.contains(type)) {
      return;
    }
    ResourceType resourceType = ResourceType.byName(type).orElseThrow();
    String document = "type: " + type + "\nname: " + name + "\nmesh: " + mesh + "\n" + spec;
    try {
      SpecificRecord payload =
          resourceType.parse(document.getBytes(StandardCharsets.UTF_8), Format.YAML, mesh, name);
      out.add(new Policy(resourceType, name, payload));
    } catch (ValidationException e) {
      throw new IllegalStateException("Kuma's default " + type + " does not validate: " + e, e);
    }
  }

  // Kuma's defaultMeshCircuitBreakerResource.
  private static final String CIRCUIT_BREAKER =
      """
      spec:
        targetRef:
          kind: Mesh
        to:
          - targetRef:
              kind: Mesh
            default:
              connectionLimits:
                maxConnections: 1024
                maxPendingRequests: 1024
                maxRequests: 1024
                maxRetries: 3
      """;

  // Kuma's defaultMeshRetryResource (DefaultBaseInterval 25ms).
  private static final String RETRY =
      """
      spec:
        targetRef:
          kind: Mesh
        to:
          - targetRef:
              kind: Mesh
            default:
              tcp:
                maxConnectAttempt: 5
              http:
                numRetries: 5
                perTryTimeout: 16s
                backOff:
                  baseInterval: 25ms
                  maxInterval: 250ms
              grpc:
                numRetries: 5
                perTryTimeout: 16s
                backOff:
                  baseInterval: 25ms
                  maxInterval: 250ms
      """;

  // Kuma's defaulMeshGatewaysTimeoutResource (policies_defaults: gateway idle 5m, stream idle 5s,
  // request headers 500ms; idle 1h towards the backends).
  private static final String GATEWAYS_TIMEOUT =
      """
      spec:
        targetRef:
          kind: Mesh
          proxyTypes:
            - Gateway
        from:
          - targetRef:
              kind: Mesh
            default:
              idleTimeout: 5m0s
              http:
                streamIdleTimeout: 5s
                requestHeadersTimeout: 500ms
        to:
          - targetRef:
              kind: Mesh
            default:
              idleTimeout: 1h0m0s
              http:
                streamIdleTimeout: 5s
      """;

  // Kuma's defaultMeshTimeoutResource: inbound twice the outbound defaults or off
  // (policies_defaults: connect 5s, idle 1h, stream idle 30m, request 15s).
  private static final String TIMEOUT =
      """
      spec:
        targetRef:
          kind: Mesh
          proxyTypes:
            - Sidecar
        from:
          - targetRef:
              kind: Mesh
            default:
              connectionTimeout: 10s
              idleTimeout: 2h0m0s
              http:
                requestTimeout: 0s
                streamIdleTimeout: 1h0m0s
                maxStreamDuration: 0s
        to:
          - targetRef:
              kind: Mesh
            default:
              connectionTimeout: 5s
              idleTimeout: 1h0m0s
              http:
                requestTimeout: 15s
                streamIdleTimeout: 30m0s
      """;
}
