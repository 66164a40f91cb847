package dev.chronomesh.projector.generate;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.policy.FromItem;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.ToItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merged policy confs are shared by the proxies that the same policies select with the same
 * inbounds ({@link PolicyHooks.Key}): sharing must never change what a proxy gets. Each proxy's
 * config from one shared mesh state equals its config from a fresh one.
 */
class SharedPolicyRulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static DataplaneResource web(String name, String... tags) {
    return Fixtures.withOutbound(
        dataplane("default", name, "10.0.0.3", inbound("web", 8080, tags)), "backend", 10001);
  }

  private static Policy timeout(String name, TargetRef top, String to, String from)
      throws Exception {
    return new Policy(
        "MeshTimeout",
        name,
        "default",
        Map.of(),
        top,
        List.of(new ToItem(TargetRef.mesh(), (ObjectNode) JSON.readTree(to))),
        List.of(new FromItem(TargetRef.mesh(), (ObjectNode) JSON.readTree(from))),
        List.of());
  }

  @Test
  void eachProxyGetsWhatAFreshMeshStateGivesIt() throws Exception {
    List<DataplaneResource> dps =
        List.of(
            web("web-1"),
            web("web-2"),
            web("web-3", "version", "v2"),
            web("web-4"),
            dataplane("default", "backend-1", "10.0.0.1", inbound("backend", 8080)));
    List<Policy> policies =
        List.of(
            timeout(
                "all",
                TargetRef.mesh(),
                "{\"connectionTimeout\":\"5s\"}",
                "{\"idleTimeout\":\"50s\"}"),
            timeout(
                "web-2-only",
                TargetRef.dataplaneNamed("web-2"),
                "{\"connectionTimeout\":\"9s\"}",
                "{\"idleTimeout\":\"90s\"}"),
            timeout(
                "v2-only",
                TargetRef.meshSubset(Map.of("version", "v2")),
                "{\"connectionTimeout\":\"7s\"}",
                "{\"idleTimeout\":\"70s\"}"));
    MeshContext shared = MeshContext.of(new MeshResources(mesh("default"), dps, policies));
    List<String> timeouts = new ArrayList<>();
    // Twice over, so the second pass reads only what the first one left to share.
    for (int pass = 0; pass < 2; pass++) {
      for (DataplaneResource dp : dps) {
        GeneratedConfig fresh =
            ConfigGenerator.generate(
                MeshContext.of(new MeshResources(mesh("default"), dps, policies)), dp);
        GeneratedConfig fromShared = ConfigGenerator.generate(shared, dp);
        assertThat(fromShared.resources()).as(dp.getName()).isEqualTo(fresh.resources());
        if (pass == 0) {
          timeouts.add(dp.getName() + "=" + connectTimeout(fromShared));
        }
      }
    }
    assertThat(timeouts)
        .containsExactly("web-1=5s", "web-2=9s", "web-3=7s", "web-4=5s", "backend-1=none");
  }

  /**
   * A policy naming a MeshHTTPRoute applies where the route does: two proxies that the same
   * MeshTimeouts select but different routes must not share the confs of the routes' Envoy routes.
   */
  @Test
  void proxiesSelectedByDifferentRoutesDoNotShareRouteConfs(@TempDir Path dir) throws Exception {
    String web =
        """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: %s
          inbound:
            - port: 8080
              tags: {kuma.io/service: web, kuma.io/protocol: http}
          outbound:
            - port: 10001
              tags: {kuma.io/service: backend}
        """;
    Files.writeString(
        dir.resolve("input.yaml"),
        String.join(
            "---\n",
            "type: Mesh\nname: default\n",
            web.formatted("web-1", "10.0.0.3"),
            web.formatted("web-2", "10.0.0.4"),
            """
            type: Dataplane
            mesh: default
            name: backend-1
            networking:
              address: 10.0.0.1
              inbound:
                - port: 8080
                  tags: {kuma.io/service: backend, kuma.io/protocol: http}
            """,
            """
            type: MeshHTTPRoute
            mesh: default
            name: v2-route
            spec:
              targetRef: {kind: Dataplane, name: web-2}
              to:
                - targetRef: {kind: MeshService, name: backend}
                  rules:
                    - matches: [{path: {type: PathPrefix, value: /api}}]
                      default:
                        backendRefs: [{kind: MeshService, name: backend}]
            """,
            """
            type: MeshTimeout
            mesh: default
            name: all
            spec:
              targetRef: {kind: Mesh}
              to:
                - targetRef: {kind: Mesh}
                  default: {http: {requestTimeout: 10s}}
            """,
            """
            type: MeshTimeout
            mesh: default
            name: on-v2-route
            spec:
              targetRef: {kind: MeshHTTPRoute, name: v2-route}
              to:
                - targetRef: {kind: Mesh}
                  default: {http: {requestTimeout: 3s}}
            """));
    MeshResources resources = GoldenCases.load(dir);
    List<DataplaneResource> dps = resources.dataplanes();
    for (List<DataplaneResource> order : List.of(dps, dps.reversed())) {
      MeshContext shared = MeshContext.of(resources);
      for (DataplaneResource dp : order) {
        GeneratedConfig fresh = ConfigGenerator.generate(MeshContext.of(resources), dp);
        assertThat(ConfigGenerator.generate(shared, dp).resources())
            .as(dp.getName())
            .isEqualTo(fresh.resources());
      }
    }
    // Only web-2, which the route selects, has the route's timeout.
    for (DataplaneResource dp : dps) {
      String config =
          GoldenCases.print(ConfigGenerator.generate(MeshContext.of(resources), dp).resources());
      assertThat(config.contains("\"timeout\": \"3s\""))
          .as(dp.getName())
          .isEqualTo(dp.getName().equals("web-2"));
    }
  }

  /**
   * Every golden case, whose proxies share keys while their outbounds differ (legacy outbounds,
   * outbounds by backendRef to MeshService ports no item names): shared equals fresh.
   */
  @Test
  void everyGoldenCaseGivesEachProxyWhatAFreshMeshStateGivesIt() {
    for (java.nio.file.Path dir : GoldenCases.cases()) {
      MeshResources resources = GoldenCases.load(dir);
      MeshContext shared = MeshContext.of(resources);
      for (int pass = 0; pass < 2; pass++) {
        for (DataplaneResource dp : resources.dataplanes()) {
          GeneratedConfig fresh = ConfigGenerator.generate(MeshContext.of(resources), dp);
          assertThat(ConfigGenerator.generate(shared, dp).resources())
              .as(dir.getFileName() + "/" + dp.getName())
              .isEqualTo(fresh.resources());
        }
      }
    }
  }

  private static String connectTimeout(GeneratedConfig config) throws Exception {
    for (GeneratedResource r : config.resources()) {
      if (r.name().equals("backend")) {
        var cluster = io.envoyproxy.envoy.config.cluster.v3.Cluster.parseFrom(r.value());
        return cluster.getConnectTimeout().getSeconds() + "s";
      }
    }
    return "none";
  }
}
