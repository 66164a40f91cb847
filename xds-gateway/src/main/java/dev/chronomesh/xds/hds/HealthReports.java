package dev.chronomesh.xds.hds;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.InboundHealth;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.service.health.v3.ClusterEndpointsHealth;
import io.envoyproxy.envoy.service.health.v3.EndpointHealthResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a proxy's health report means for its Dataplane (Kuma's {@code tracker.updateDataplane}): an
 * inbound whose application check is healthy (or, without a check, whose Envoy is) becomes Ready,
 * one whose check fails (or whose Envoy is draining) becomes NotReady; an Ignored inbound stays as
 * it is. A state change also writes {@code health.ready}, as Kuma does for proxies of Kuma 2.5 and
 * older. A status of {@code HEALTHY} or {@code UNKNOWN} counts as healthy.
 */
public final class HealthReports {
  private HealthReports() {}

  /** {@code dataplane} with the report applied, or empty when no inbound's state changes. */
  public static Optional<DataplaneResource> apply(
      DataplaneResource dataplane, EndpointHealthResponse report) {
    Map<Integer, Boolean> byPort = new HashMap<>();
    boolean envoy = true; // no check of Envoy: assume it is healthy
    for (ClusterEndpointsHealth cluster : report.getClusterEndpointsHealthList()) {
      if (cluster.getLocalityEndpointsHealthCount() == 0
          || cluster.getLocalityEndpointsHealth(0).getEndpointsHealthCount() == 0) {
        continue;
      }
      HealthStatus status =
          cluster.getLocalityEndpointsHealth(0).getEndpointsHealth(0).getHealthStatus();
      boolean healthy = status == HealthStatus.HEALTHY || status == HealthStatus.UNKNOWN;
      String name = cluster.getClusterName();
      if (name.equals(HealthChecks.ENVOY_CLUSTER)) {
        envoy = healthy;
      } else if (name.startsWith(HealthChecks.LOCAL_CLUSTER_PREFIX)) {
        port(name.substring(HealthChecks.LOCAL_CLUSTER_PREFIX.length()))
            .ifPresent(p -> byPort.put(p, healthy));
      }
    }
    boolean changed = false;
    List<Inbound> inbounds = new ArrayList<>();
    for (Inbound inbound : dataplane.getInbound()) {
      Boolean workload = byPort.get(HealthChecks.workloadPort(inbound));
      boolean healthy = workload == null ? envoy : workload && envoy;
      Inbound next = withHealth(inbound, healthy);
      changed |= next != inbound;
      inbounds.add(next);
    }
    if (!changed) {
      return Optional.empty();
    }
    return Optional.of(DataplaneResource.newBuilder(dataplane).setInbound(inbounds).build());
  }

  /** Ready as the projector reads it: state unset or Ready, health unset or ready. */
  static boolean ready(Inbound inbound) {
    String state = inbound.getState();
    return (state == null || state.equals("Ready"))
        && (inbound.getHealth() == null || inbound.getHealth().getReady());
  }

  private static Inbound withHealth(Inbound inbound, boolean healthy) {
    if ("Ignored".equals(inbound.getState()) || ready(inbound) == healthy) {
      return inbound;
    }
    return Inbound.newBuilder(inbound)
        .setState(healthy ? "Ready" : "NotReady")
        .setHealth(new InboundHealth(healthy))
        .build();
  }

  private static Optional<Integer> port(String text) {
    try {
      int port = Integer.parseInt(text);
      return port > 0 && port < 65536 ? Optional.of(port) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
