package dev.chronomesh.projector.generate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PolicyPluginsTest {
  @Test
  void registersTheFivePluginsInKumasOrder() {
    assertThat(PolicyPlugins.all())
        .extracting(PolicyPlugin::type)
        .containsExactly(
            "MeshLoadBalancingStrategy",
            "MeshTimeout",
            "MeshCircuitBreaker",
            "MeshHealthCheck",
            "MeshRetry");
    assertThat(PolicyPlugins.all())
        .extracting(PolicyPlugin::order)
        .containsExactly(300, 800, 1000, 1100, 1200);
  }
}
