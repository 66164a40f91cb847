package dev.chronomesh.projector.generate;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.ToItem;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MeshHTTPRoute confs as the generators turn them into routes and clusters. */
class RouteGenerationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static DataplaneResource web() {
    return Fixtures.withOutbound(
        dataplane("default", "web-1", "10.0.0.3", inbound("web", 8080, "kuma.io/protocol", "http")),
        "backend",
        10001);
  }

  private static DataplaneResource backend() {
    return dataplane(
        "default", "backend-1", "10.0.0.1", inbound("backend", 8080, "kuma.io/protocol", "http"));
  }

  private static Policy route(String name, TargetRef to, String conf) throws Exception {
    return new Policy(
        "MeshHTTPRoute",
        name,
        "default",
        Map.of(),
        TargetRef.mesh(),
        List.of(new ToItem(to, (ObjectNode) JSON.readTree(conf))),
        List.of(),
        List.of());
  }

  private static GeneratedConfig generate(List<Policy> policies) {
    MeshContext mesh =
        MeshContext.of(new MeshResources(mesh("default"), List.of(web(), backend()), policies));
    return ConfigGenerator.generate(mesh, web());
  }

  @Test
  void partsOfARouteConfEnvoyCannotTakeAreLeftOutNotThrown() throws Exception {
    Policy odd =
        route(
            "odd",
            TargetRef.meshService("backend"),
            """
            {"rules": [
              {"matches": [{"path": {"type": "Bogus", "value": "/x"},
                            "headers": [{"type": "Exact", "name": "bad name", "value": "v"}]}],
               "default": {"backendRefs": [{"kind": "MeshExternalService", "name": "x"},
                                           {"kind": "MeshService", "name": "backend", "weight": 0}],
                           "filters": [{"type": "RequestMirror"}, {"type": "URLRewrite"}]}}]}
            """);

    GeneratedConfig config = generate(List.of(odd));

    assertThat(config.edsClusters()).containsOnlyKeys("backend");
    assertThat(config.resources()).isNotEmpty();
  }

  @Test
  void aPolicyWhoseConfDoesNotBindIsSkippedNotThrown() throws Exception {
    // The admin API refuses it; were one to reach the generator, it is left out as a whole.
    Policy garbage =
        route("garbage", TargetRef.meshService("backend"), "{\"rules\": [{\"matches\": 3}]}");

    assertThat(generate(List.of(garbage))).isEqualTo(generate(List.of()));
  }

  @Test
  void invalidPoliciesAreSkippedNotThrown() throws Exception {
    // A MeshService ref without a name is invalid: the engine would throw, generation skips it.
    Policy invalid =
        route(
            "invalid",
            new TargetRef(TargetRef.Kind.MESH_SERVICE, null, null, null, null),
            "{\"rules\": [{\"matches\": [{\"path\": {\"type\": \"Exact\", \"value\": \"/x\"}}],"
                + " \"default\": {\"backendRefs\": [{\"kind\": \"MeshServiceSubset\","
                + " \"name\": \"backend\", \"tags\": {\"v\": \"1\"}}]}}]}");

    assertThat(invalid.violations()).isNotEmpty();
    assertThat(generate(List.of(invalid))).isEqualTo(generate(List.of()));
  }

  @Test
  void subsetBackendsBecomeEdsClustersWithTheirSelector() throws Exception {
    Policy split =
        route(
            "split",
            TargetRef.meshService("backend"),
            """
            {"rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
              "default": {"backendRefs": [
                {"kind": "MeshServiceSubset", "name": "backend", "tags": {"version": "v1"}, "weight": 80},
                {"kind": "MeshServiceSubset", "name": "backend", "tags": {"version": "v2"}, "weight": 20}]}}]}
            """);

    GeneratedConfig config = generate(List.of(split));

    assertThat(config.edsClusters().values())
        .extracting(s -> s.service() + s.tags())
        .containsExactly("backend{version=v2}", "backend{version=v1}");
    assertThat(config.edsClusters()).containsKey("backend_cffb0dd1");
  }
}
