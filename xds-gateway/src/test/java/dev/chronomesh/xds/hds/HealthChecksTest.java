package dev.chronomesh.xds.hds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.service.health.v3.ClusterEndpointsHealth;
import io.envoyproxy.envoy.service.health.v3.EndpointHealth;
import io.envoyproxy.envoy.service.health.v3.EndpointHealthResponse;
import io.envoyproxy.envoy.service.health.v3.HealthCheckSpecifier;
import io.envoyproxy.envoy.service.health.v3.LocalityEndpointsHealth;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The checks a proxy gets and what its reports change, against Kuma 2.14.3's HDS tracker. */
class HealthChecksTest {
  /** Kuma's tracker test's settings for its golden files. */
  private static final HealthChecks.Settings KUMA_TEST =
      new HealthChecks.Settings(
          Duration.ofSeconds(8),
          Duration.ofSeconds(10),
          Duration.ofSeconds(3),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          4,
          5);

  private static DataplaneResource dataplane(String yaml) {
    try {
      return (DataplaneResource)
          ResourceType.DATAPLANE.parse(
              yaml.getBytes(StandardCharsets.UTF_8), Format.YAML, "mesh-1", "dp-1");
    } catch (ValidationException e) {
      throw new AssertionError(e.violations().toString(), e);
    }
  }

  /** Kuma's healthcheck_generator_test "should generate HealthCheckSpecifier" (hds.1). */
  @Test
  void aServiceProbeGivesKumasGoldenChecks() throws Exception {
    DataplaneResource dp =
        dataplane(
            """
            type: Dataplane
            mesh: mesh-1
            name: dp-1
            networking:
              address: 10.20.0.1
              inbound:
                - port: 9000
                  serviceAddress: 192.168.0.1
                  servicePort: 80
                  serviceProbe:
                    tcp: {}
                  tags:
                    kuma.io/service: backend
            """);
    assertThat(HealthChecks.of(dp, KUMA_TEST)).isEqualTo(golden("/kuma/hds.1.golden.yaml"));
  }

  @Test
  void aProbesOwnSettingsWinAndInboundsWithoutOneAreNotChecked() {
    DataplaneResource dp =
        dataplane(
            """
            type: Dataplane
            mesh: mesh-1
            name: dp-1
            networking:
              address: 10.0.0.1
              admin: {port: 9902}
              inbound:
                - port: 8080
                  serviceProbe: {interval: 10s, timeout: 1.5s, unhealthyThreshold: 3, healthyThreshold: 2}
                  tags: {kuma.io/service: web}
                - port: 8081
                  tags: {kuma.io/service: api}
            """);
    HealthCheckSpecifier checks = HealthChecks.of(dp, KUMA_TEST);
    assertThat(checks.getClusterHealthChecksList())
        .extracting(c -> c.getClusterName())
        .containsExactly("kuma:envoy:admin", "localhost:8080");
    var envoy = checks.getClusterHealthChecks(0);
    assertThat(envoy.getLocalityEndpoints(0).getEndpoints(0).getAddress().getSocketAddress())
        .satisfies(
            a -> {
              assertThat(a.getAddress()).isEqualTo("127.0.0.1");
              assertThat(a.getPortValue()).isEqualTo(9902);
            });
    var web = checks.getClusterHealthChecks(1);
    var check = web.getHealthChecks(0);
    assertThat(check.getInterval().getSeconds()).isEqualTo(10);
    assertThat(check.getTimeout().getNanos()).isEqualTo(500_000_000);
    assertThat(check.getUnhealthyThreshold().getValue()).isEqualTo(3);
    assertThat(check.getHealthyThreshold().getValue()).isEqualTo(2);
    assertThat(check.hasTcpHealthCheck()).isTrue();
    assertThat(web.getLocalityEndpoints(0).getEndpoints(0).getAddress().getSocketAddress())
        .satisfies(
            a -> {
              assertThat(a.getAddress()).isEqualTo("10.0.0.1");
              assertThat(a.getPortValue()).isEqualTo(8080);
            });
  }

  @Test
  void reportsFlipReadinessAsKumasTrackerDoes() {
    DataplaneResource dp =
        dataplane(
            """
            type: Dataplane
            mesh: mesh-1
            name: dp-1
            networking:
              address: 10.0.0.1
              inbound:
                - port: 8080
                  servicePort: 18080
                  serviceProbe: {tcp: {}}
                  tags: {kuma.io/service: web}
                - port: 8081
                  tags: {kuma.io/service: api}
                - port: 8082
                  state: Ignored
                  tags: {kuma.io/service: skip}
            """);
    // The application behind 8080 fails its check: only that inbound changes.
    DataplaneResource down =
        HealthReports.apply(dp, report(HealthStatus.HEALTHY, HealthStatus.UNHEALTHY)).orElseThrow();
    assertThat(down.getInbound())
        .extracting(Inbound::getState)
        .containsExactly("NotReady", null, "Ignored");
    assertThat(down.getInbound().get(0).getHealth().getReady()).isFalse();
    // The same report again changes nothing; a healthy one brings it back.
    assertThat(HealthReports.apply(down, report(HealthStatus.HEALTHY, HealthStatus.UNHEALTHY)))
        .isEmpty();
    DataplaneResource up =
        HealthReports.apply(down, report(HealthStatus.HEALTHY, HealthStatus.HEALTHY)).orElseThrow();
    assertThat(up.getInbound())
        .extracting(Inbound::getState)
        .containsExactly("Ready", null, "Ignored");
    // A draining Envoy makes every inbound not ready but the Ignored one.
    DataplaneResource draining =
        HealthReports.apply(up, report(HealthStatus.DRAINING, HealthStatus.HEALTHY)).orElseThrow();
    assertThat(draining.getInbound())
        .extracting(Inbound::getState)
        .containsExactly("NotReady", "NotReady", "Ignored");
  }

  /** A report of Envoy's own check and of the application check behind port 18080. */
  private static EndpointHealthResponse report(HealthStatus envoy, HealthStatus app) {
    return EndpointHealthResponse.newBuilder()
        .addClusterEndpointsHealth(cluster("kuma:envoy:admin", envoy))
        .addClusterEndpointsHealth(cluster("localhost:18080", app))
        .build();
  }

  private static ClusterEndpointsHealth cluster(String name, HealthStatus status) {
    return ClusterEndpointsHealth.newBuilder()
        .setClusterName(name)
        .addLocalityEndpointsHealth(
            LocalityEndpointsHealth.newBuilder()
                .addEndpointsHealth(EndpointHealth.newBuilder().setHealthStatus(status)))
        .build();
  }

  private static HealthCheckSpecifier golden(String path) throws Exception {
    try (InputStream in = HealthChecksTest.class.getResourceAsStream(path)) {
      HealthCheckSpecifier.Builder b = HealthCheckSpecifier.newBuilder();
      EnvoyJson.merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), b);
      return b.build();
    }
  }
}
