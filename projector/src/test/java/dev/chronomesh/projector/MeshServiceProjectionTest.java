package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.OutboundBackendRef;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.ResourceType;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MeshService resources through the projector's topology: an outbound by backendRef gets its
 * cluster once the MeshService exists, its endpoint set follows the dataplanes the MeshService
 * selects and the MeshService's own changes, and replaying the log gives the same output.
 */
class MeshServiceProjectionTest {
  private static final String CLUSTER = "default/default_backend___msvc_80";

  @TempDir Path dir;
  @TempDir Path other;

  @Test
  void endpointsFollowTheSelectedDataplanesAndTheMeshService() throws Exception {
    try (ProjectorHarness p = new ProjectorHarness(dir)) {
      for (var e : history().subList(0, 3)) {
        p.pipe(e);
      }
      p.idle();
      assertThat(p.latestConfigs().get("default.web-1").toString())
          .as("no MeshService yet: no outbound")
          .doesNotContain("msvc");

      p.pipe(history().get(3));
      p.idle();
      assertThat(p.latestConfigs().get("default.web-1").toString())
          .contains("default_backend___msvc_80");
      assertThat(endpoints(p)).containsExactly("10.0.0.1:8080");

      p.pipe(history().get(4)); // backend-2
      p.idle();
      assertThat(endpoints(p)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");

      p.pipe(history().get(5)); // targetPort 9090
      p.idle();
      assertThat(endpoints(p)).containsExactly("10.0.0.1:9090", "10.0.0.2:9090");

      p.pipe(history().get(6)); // MeshService deleted
      p.idle();
      assertThat(p.latestConfigs().get("default.web-1").toString()).doesNotContain("msvc");
    }
  }

  @Test
  void replayingTheLogGivesTheSameProjection() throws Exception {
    Map<String, String> live;
    try (ProjectorHarness p = new ProjectorHarness(dir)) {
      for (var e : history()) {
        p.later(Duration.ofSeconds(1));
        p.idle();
        p.pipe(e);
      }
      p.idle();
      live = p.storeContents();
    }
    try (ProjectorHarness p = new ProjectorHarness(other)) {
      // The same event times, all at once (a rebuild): one window.
      for (var e : history()) {
        p.later(Duration.ofSeconds(1));
        p.pipe(e);
      }
      p.idle();
      Map<String, String> rebuilt = p.storeContents();
      assertThat(rebuilt.keySet()).isEqualTo(live.keySet());
      rebuilt.forEach((k, v) -> assertThat(v).as(k).isEqualTo(live.get(k)));
    }
  }

  private static List<dev.chronomesh.events.avro.ResourceEvent> history() throws Exception {
    return List.of(
        upserted(1, mesh("default")),
        upserted(1, backend("backend-1", "10.0.0.1")),
        upserted(1, web()),
        upserted(1, meshService(8080)),
        upserted(1, backend("backend-2", "10.0.0.2")),
        upserted(2, meshService(9090)),
        deleted("default", "MeshService", "backend", 3));
  }

  private static List<String> endpoints(ProjectorHarness p) throws Exception {
    ClusterEndpoints value = null;
    for (var kv : p.endpoints()) {
      if (kv.key.equals(CLUSTER)) {
        value = kv.value;
      }
    }
    assertThat(value).as("endpoints of " + CLUSTER).isNotNull();
    ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(value.getLoadAssignment());
    return cla.getEndpointsList().stream()
        .flatMap(l -> l.getLbEndpointsList().stream())
        .map(
            e ->
                e.getEndpoint().getAddress().getSocketAddress().getAddress()
                    + ":"
                    + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .sorted()
        .collect(Collectors.toList());
  }

  private static DataplaneResource backend(String name, String address) {
    return dataplane(
        "default", name, address, inbound("backend", 8080), inbound("backend-admin", 9090));
  }

  private static DataplaneResource web() {
    DataplaneResource dp = dataplane("default", "web-1", "10.0.0.3", inbound("web", 8080));
    dp.setOutbound(
        List.of(
            Outbound.newBuilder()
                .setPort(10001)
                .setBackendRef(
                    OutboundBackendRef.newBuilder()
                        .setKind("MeshService")
                        .setName("backend")
                        .setPort(80)
                        .build())
                .build()));
    return dp;
  }

  private static PolicyResource meshService(int targetPort) throws Exception {
    return (PolicyResource)
        ResourceType.MESH_SERVICE.parse(
            ("""
            type: MeshService
            name: backend
            mesh: default
            spec:
              selector:
                dataplaneTags:
                  kuma.io/service: backend
              ports:
                - {name: http, port: 80, targetPort: %d, appProtocol: http}
            """
                    .formatted(targetPort))
                .getBytes(UTF_8),
            Format.YAML,
            null,
            null);
  }
}
