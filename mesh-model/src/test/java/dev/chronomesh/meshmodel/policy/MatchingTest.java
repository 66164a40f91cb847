package dev.chronomesh.meshmodel.policy;

import static dev.chronomesh.meshmodel.policy.Fixtures.backend;
import static dev.chronomesh.meshmodel.policy.Fixtures.toMesh;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MatchingTest {

  private static Policy policy(TargetRef top) {
    return Fixtures.to("p", top, toMesh("idleTimeout: 1s"));
  }

  private static List<String> inbounds(TargetRef ref) {
    return PolicyEngine.selectedInbounds(ref, backend()).stream()
        .map(ProxyView.Inbound::key)
        .toList();
  }

  @Test
  void meshSelectsEveryProxyOfItsMeshOnly() {
    assertThat(PolicyEngine.selects(policy(TargetRef.mesh()), backend())).isTrue();
    assertThat(inbounds(TargetRef.mesh())).containsExactly("http", "grpc");
    Policy other =
        new Policy(
            "MeshTimeout",
            "p",
            "other",
            null,
            TargetRef.mesh(),
            List.of(toMesh("a: 1")),
            null,
            null);
    assertThat(PolicyEngine.selects(other, backend())).isFalse();
  }

  @Test
  void meshSelectsAProxyWithoutInbounds() {
    ProxyView gatewayLike = new ProxyView("default", "edge", Map.of(), List.of());
    assertThat(PolicyEngine.selects(policy(TargetRef.mesh()), gatewayLike)).isTrue();
    assertThat(PolicyEngine.selects(policy(TargetRef.meshSubset(Map.of())), gatewayLike)).isFalse();
  }

  @Test
  void meshSubsetSelectsInboundsHavingAllTags() {
    assertThat(inbounds(TargetRef.meshSubset(Map.of("version", "v1"))))
        .containsExactly("http", "grpc");
    assertThat(
            inbounds(TargetRef.meshSubset(Map.of("version", "v1", "kuma.io/service", "backend"))))
        .containsExactly("http");
    assertThat(
            PolicyEngine.selects(policy(TargetRef.meshSubset(Map.of("version", "v2"))), backend()))
        .isFalse();
  }

  @Test
  void meshServiceSelectsByServiceTag() {
    assertThat(inbounds(TargetRef.meshService("backend-grpc"))).containsExactly("grpc");
    assertThat(PolicyEngine.selects(policy(TargetRef.meshService("web")), backend())).isFalse();
  }

  @Test
  void meshServiceSubsetNeedsServiceAndTags() {
    assertThat(inbounds(TargetRef.meshServiceSubset("backend", Map.of("version", "v1"))))
        .containsExactly("http");
    assertThat(inbounds(TargetRef.meshServiceSubset("backend", Map.of("version", "v2")))).isEmpty();
  }

  @Test
  void dataplaneSelectsByNameOrByLabelSubset() {
    assertThat(PolicyEngine.selects(policy(TargetRef.dataplaneNamed("backend-1")), backend()))
        .isTrue();
    assertThat(PolicyEngine.selects(policy(TargetRef.dataplaneNamed("backend-2")), backend()))
        .isFalse();
    assertThat(
            PolicyEngine.selects(
                policy(TargetRef.dataplaneLabelled(Map.of("app", "backend"))), backend()))
        .isTrue();
    assertThat(
            PolicyEngine.selects(
                policy(TargetRef.dataplaneLabelled(Map.of("app", "backend", "env", "dev"))),
                backend()))
        .isFalse();
    assertThat(PolicyEngine.selects(policy(TargetRef.dataplaneLabelled(Map.of())), backend()))
        .isTrue();
  }

  @Test
  void dataplaneSectionNameSelectsOneInboundByNameOrPort() {
    TargetRef byName = TargetRef.dataplaneNamed("backend-1").withSectionName("grpc");
    TargetRef byPort =
        TargetRef.dataplaneLabelled(Map.of("app", "backend")).withSectionName("8080");
    assertThat(inbounds(byName)).containsExactly("grpc");
    assertThat(inbounds(byPort)).containsExactly("http");
    TargetRef missing = TargetRef.dataplaneNamed("backend-1").withSectionName("admin");
    assertThat(PolicyEngine.selects(policy(missing), backend())).isFalse();
  }
}
