package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  @Test
  void namesKnownTypesShortAndOthersByTheirLastSegment() {
    assertThat(GatewayMetrics.shortType(CDS)).isEqualTo("cds");
    assertThat(GatewayMetrics.shortType("type.googleapis.com/envoy.config.listener.v3.Listener"))
        .isEqualTo("lds");
    assertThat(
            GatewayMetrics.shortType(
                "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"))
        .isEqualTo("rds");
    assertThat(GatewayMetrics.shortType(EDS)).isEqualTo("eds");
    assertThat(
            GatewayMetrics.shortType(
                "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"))
        .isEqualTo("sds");
    assertThat(GatewayMetrics.shortType("type.googleapis.com/envoy.config.core.v3.TypedExtension"))
        .isEqualTo("envoy.config.core.v3.TypedExtension");
    assertThat(GatewayMetrics.shortType("")).isEqualTo("unknown");
    assertThat(GatewayMetrics.shortType(null)).isEqualTo("unknown");
  }

  @Test
  void recordsConvergenceInBucketsFromOneMillisecondToThirtySecondsByType() {
    try (GatewayMetrics metrics = new GatewayMetrics()) {
      metrics.acked("default.web-1", CDS, "v1", Duration.ofMillis(30));
      metrics.acked("default.web-1", CDS, "v2", Duration.ofMillis(3));
      metrics.acked("default.web-1", EDS, "v1", Duration.ofSeconds(2));

      String text = metrics.scrape();

      assertThat(text)
          .contains("# TYPE chronomesh_xds_convergence_seconds histogram")
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"cds\",le=\"0.001\"} 0")
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"cds\",le=\"0.005\"} 1")
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"cds\",le=\"0.05\"} 2")
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"cds\",le=\"30.0\"} 2")
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"cds\",le=\"+Inf\"} 2")
          .contains("chronomesh_xds_convergence_seconds_count{type=\"cds\"} 2")
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"eds\",le=\"1.0\"} 0")
          .contains("chronomesh_xds_convergence_seconds_bucket{type=\"eds\",le=\"2.5\"} 1")
          .contains("chronomesh_xds_acks_total{type=\"cds\"} 2.0")
          .contains("chronomesh_xds_acks_total{type=\"eds\"} 1.0");
    }
  }

  @Test
  void countsAnAckWithoutKnownCausesButRecordsNoConvergence() {
    try (GatewayMetrics metrics = new GatewayMetrics()) {
      metrics.acked("default.web-1", CDS, "v1", null);

      assertThat(metrics.scrape())
          .contains("chronomesh_xds_acks_total{type=\"cds\"} 1.0")
          .doesNotContain("chronomesh_xds_convergence_seconds_count{type=\"cds\"}");
    }
  }

  @Test
  void countsNacksByType() {
    try (GatewayMetrics metrics = new GatewayMetrics()) {
      metrics.nacked("default.web-1", EDS, "v3", "bad endpoint");

      assertThat(metrics.scrape()).contains("chronomesh_xds_nacks_total{type=\"eds\"} 1.0");
    }
  }

  @Test
  void countsRefusedClients() {
    try (GatewayMetrics metrics = new GatewayMetrics()) {
      metrics.refused("default.web-1", "add the label");
      metrics.refused("default.web-2", "add the label");

      assertThat(metrics.scrape()).contains("chronomesh_xds_refusals_total 2.0");
    }
  }

  @Test
  void gaugesOpenStreamsByModeIgnoringUnknownDisconnects() {
    try (GatewayMetrics metrics = new GatewayMetrics()) {
      metrics.connected("default.web-1", 1, false);
      metrics.connected("default.web-2", 2, false);
      metrics.connected("default.web-3", 3, true);
      metrics.disconnected("default.web-1", 1);
      metrics.disconnected("default.web-1", 1);
      metrics.disconnected("default.web-9", 9);

      assertThat(metrics.scrape())
          .contains("chronomesh_xds_streams_open{mode=\"sotw\"} 1.0")
          .contains("chronomesh_xds_streams_open{mode=\"delta\"} 1.0");
    }
  }

  @Test
  void exposesJvmAndProcessMetrics() {
    try (GatewayMetrics metrics = new GatewayMetrics()) {
      assertThat(metrics.scrape())
          .contains("jvm_memory_used_bytes")
          .contains("jvm_threads_live_threads")
          .contains("process_uptime_seconds");
    }
  }
}
