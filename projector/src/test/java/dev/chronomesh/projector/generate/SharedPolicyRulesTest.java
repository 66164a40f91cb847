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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
