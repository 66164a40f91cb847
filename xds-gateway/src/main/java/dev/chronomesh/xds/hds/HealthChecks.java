package dev.chronomesh.xds.hds;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.ServiceProbe;
import dev.chronomesh.xds.bootstrap.EnvoyBootstraps;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.service.health.v3.ClusterHealthCheck;
import io.envoyproxy.envoy.service.health.v3.HealthCheckSpecifier;
import io.envoyproxy.envoy.service.health.v3.LocalityEndpoints;
import java.time.Duration;
import java.util.Objects;

/**
 * What a proxy health-checks for the control plane (Kuma's HDS snapshot generator, {@code
 * pkg/hds/tracker/healthcheck_generator.go}): Envoy itself (HTTP {@code /ready} on its admin port,
 * so a draining Envoy reports its dataplane not ready) and, for each inbound with a {@code
 * serviceProbe}, a TCP check of the application at the inbound's workload address and port, with
 * the probe's settings or the defaults. The cluster names are Kuma's ({@code kuma:envoy:admin},
 * {@code localhost:<workload port>}); {@link HealthReports} reads the answers back by them.
 */
public final class HealthChecks {
  /** The check of Envoy itself. */
  static final String ENVOY_CLUSTER = "kuma:envoy:admin";

  /** The prefix of an application's check: {@code localhost:<workload port>}. */
  static final String LOCAL_CLUSTER_PREFIX = "localhost:";

  private HealthChecks() {}

  /**
   * Kuma's {@code dpServer.hds} settings.
   *
   * @param interval how often Envoy reports the checks' outcomes
   * @param refresh how often a connected proxy's checks are regenerated (a changed serviceProbe
   *     reaches its proxy within this)
   * @param timeout a check's timeout when its probe sets none
   * @param checkInterval the interval between checks when its probe sets none
   * @param noTrafficInterval the interval of a check while its cluster has had no traffic
   * @param healthyThreshold checks in a row that make an endpoint healthy when its probe sets none
   * @param unhealthyThreshold checks in a row that make it unhealthy when its probe sets none
   */
  public record Settings(
      Duration interval,
      Duration refresh,
      Duration timeout,
      Duration checkInterval,
      Duration noTrafficInterval,
      int healthyThreshold,
      int unhealthyThreshold) {
    /** Kuma 2.14's defaults ({@code kuma-cp.defaults.yaml}, {@code dpServer.hds}). */
    public static final Settings KUMA_DEFAULTS =
        new Settings(
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(2),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            1,
            1);

    public Settings {
      for (Duration d :
          new Duration[] {interval, refresh, timeout, checkInterval, noTrafficInterval}) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("HDS durations must be positive");
        }
      }
      if (healthyThreshold < 1 || unhealthyThreshold < 1) {
        throw new IllegalArgumentException("HDS thresholds must be at least 1");
      }
    }
  }

  /** The checks of {@code dataplane}. */
  public static HealthCheckSpecifier of(DataplaneResource dataplane, Settings settings) {
    Objects.requireNonNull(settings, "settings");
    int adminPort =
        dataplane.getAdminPort() != null
            ? dataplane.getAdminPort()
            : EnvoyBootstraps.DEFAULT_ADMIN_PORT;
    HealthCheckSpecifier.Builder out =
        HealthCheckSpecifier.newBuilder().setInterval(duration(settings.interval()));
    out.addClusterHealthChecks(
        cluster(
            ENVOY_CLUSTER,
            "127.0.0.1",
            adminPort,
            check(settings, null)
                .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/ready"))));
    for (Inbound inbound : dataplane.getInbound()) {
      ServiceProbe probe = inbound.getServiceProbe();
      if (probe == null) {
        continue;
      }
      int port = workloadPort(inbound);
      out.addClusterHealthChecks(
          cluster(
              LOCAL_CLUSTER_PREFIX + port,
              workloadAddress(dataplane, inbound),
              port,
              check(settings, probe)
                  .setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance())));
    }
    return out.build();
  }

  /**
   * Where the application behind {@code inbound} listens: its serviceAddress, else the inbound's.
   */
  static String workloadAddress(DataplaneResource dataplane, Inbound inbound) {
    if (inbound.getServiceAddress() != null) {
      return inbound.getServiceAddress();
    }
    return inbound.getAddress() != null ? inbound.getAddress() : dataplane.getAddress();
  }

  /** The application's port behind {@code inbound}: its servicePort, else the inbound's port. */
  static int workloadPort(Inbound inbound) {
    return inbound.getServicePort() != null ? inbound.getServicePort() : inbound.getPort();
  }

  private static HealthCheck.Builder check(Settings settings, ServiceProbe probe) {
    ServiceProbe given = probe == null ? new ServiceProbe() : probe;
    return HealthCheck.newBuilder()
        .setTimeout(orDefault(given.getTimeout(), settings.timeout()))
        .setInterval(orDefault(given.getInterval(), settings.checkInterval()))
        .setHealthyThreshold(
            UInt32Value.of(
                given.getHealthyThreshold() != null
                    ? given.getHealthyThreshold()
                    : settings.healthyThreshold()))
        .setUnhealthyThreshold(
            UInt32Value.of(
                given.getUnhealthyThreshold() != null
                    ? given.getUnhealthyThreshold()
                    : settings.unhealthyThreshold()))
        .setNoTrafficInterval(duration(settings.noTrafficInterval()));
  }

  private static ClusterHealthCheck cluster(
      String name, String address, int port, HealthCheck.Builder check) {
    return ClusterHealthCheck.newBuilder()
        .setClusterName(name)
        .addHealthChecks(check)
        .addLocalityEndpoints(
            LocalityEndpoints.newBuilder()
                .addEndpoints(
                    Endpoint.newBuilder()
                        .setAddress(
                            Address.newBuilder()
                                .setSocketAddress(
                                    SocketAddress.newBuilder()
                                        .setAddress(address)
                                        .setPortValue(port)))))
        .build();
  }

  private static com.google.protobuf.Duration orDefault(String given, Duration fallback) {
    if (given == null) {
      return duration(fallback);
    }
    try {
      return Durations.parse(given);
    } catch (java.text.ParseException e) {
      // The model only stores durations it parsed; a record from elsewhere falls back.
      return duration(fallback);
    }
  }

  private static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds())
        .setNanos(d.getNano())
        .build();
  }
}
