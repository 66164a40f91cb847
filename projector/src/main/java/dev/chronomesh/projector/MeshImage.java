package dev.chronomesh.projector;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The resources of one mesh held in memory by the task that owns the mesh, mirroring the {@code
 * mesh-resources} store (from which it is loaded on first use). It caches the {@link MeshContext}
 * that generation shares across proxies until the next change, and keeps, per service, the protocol
 * tags its inbounds declare, so a dataplane event can tell whether other proxies' configs (which
 * read services' existence and protocol, never their endpoints) may change.
 */
final class MeshImage {
  /** The inbound tag naming the service. */
  static final String SERVICE_TAG = "kuma.io/service";

  static final String PROTOCOL_TAG = "kuma.io/protocol";

  private final String name;
  private MeshResource mesh;
  private final SortedMap<String, DataplaneResource> dataplanes = new TreeMap<>();

  /** Key {@code <type>/<name>}. */
  private final SortedMap<String, Policy> policies = new TreeMap<>();

  /** service → protocol tag value ("" when absent) → number of inbounds declaring it. */
  private final SortedMap<String, SortedMap<String, Integer>> serviceProtocols = new TreeMap<>();

  /** Generation's view of the current state; null after a change until asked for. */
  private MeshContext context;

  MeshImage(String name) {
    this.name = Objects.requireNonNull(name);
  }

  String name() {
    return name;
  }

  boolean exists() {
    return mesh != null;
  }

  void putMesh(MeshResource resource) {
    mesh = resource;
    context = null;
  }

  DataplaneResource dataplane(String dataplane) {
    return dataplanes.get(dataplane);
  }

  SortedMap<String, DataplaneResource> dataplanes() {
    return java.util.Collections.unmodifiableSortedMap(dataplanes);
  }

  Policy policy(String type, String policyName) {
    return policies.get(type + "/" + policyName);
  }

  /**
   * Stores or removes ({@code resource} null) a dataplane.
   *
   * @return the services whose existence or declared protocols changed
   */
  SortedSet<String> putDataplane(String dataplane, DataplaneResource resource) {
    SortedMap<String, SortedSet<String>> before = signatures(dataplanes.get(dataplane), resource);
    DataplaneResource old =
        resource == null ? dataplanes.remove(dataplane) : dataplanes.put(dataplane, resource);
    count(old, -1);
    count(resource, +1);
    context = null;
    SortedSet<String> changed = new TreeSet<>();
    before.forEach(
        (service, protocols) -> {
          if (!Objects.equals(protocols, protocolsOf(service))) {
            changed.add(service);
          }
        });
    return changed;
  }

  void putPolicy(String type, String policyName, Policy policy) {
    String key = type + "/" + policyName;
    if (policy == null) {
      policies.remove(key);
    } else {
      policies.put(key, policy);
    }
    context = null;
  }

  /** The services of a dataplane's inbounds, sorted. */
  static SortedSet<String> services(DataplaneResource dp) {
    SortedSet<String> out = new TreeSet<>();
    if (dp != null) {
      for (Inbound in : dp.getInbound()) {
        String s = in.getTags().get(SERVICE_TAG);
        if (s != null && !s.isEmpty()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** The protocols now declared for the services of {@code a} and {@code b}. */
  private SortedMap<String, SortedSet<String>> signatures(
      DataplaneResource a, DataplaneResource b) {
    SortedMap<String, SortedSet<String>> out = new TreeMap<>();
    SortedSet<String> services = services(a);
    services.addAll(services(b));
    services.forEach(s -> out.put(s, protocolsOf(s)));
    return out;
  }

  /** The protocol tag values of a service's inbounds; null when no inbound has the service. */
  private SortedSet<String> protocolsOf(String service) {
    SortedMap<String, Integer> counts = serviceProtocols.get(service);
    return counts == null ? null : new TreeSet<>(counts.keySet());
  }

  private void count(DataplaneResource dp, int delta) {
    if (dp == null) {
      return;
    }
    for (Inbound in : dp.getInbound()) {
      String service = in.getTags().get(SERVICE_TAG);
      if (service == null || service.isEmpty()) {
        continue;
      }
      String protocol = Objects.requireNonNullElse(in.getTags().get(PROTOCOL_TAG), "");
      SortedMap<String, Integer> counts =
          serviceProtocols.computeIfAbsent(service, s -> new TreeMap<>());
      counts.merge(protocol, delta, Integer::sum);
      if (counts.get(protocol) <= 0) {
        counts.remove(protocol);
      }
      if (counts.isEmpty()) {
        serviceProtocols.remove(service);
      }
    }
  }

  /** Generation's view of the mesh; the mesh must exist. */
  MeshContext context() {
    if (context == null) {
      context =
          MeshContext.of(
              new MeshResources(
                  mesh, new ArrayList<>(dataplanes.values()), new ArrayList<>(policies.values())));
    }
    return context;
  }

  /** Every policy of the mesh, by {@code <type>/<name>}. */
  Map<String, Policy> policies() {
    return java.util.Collections.unmodifiableSortedMap(policies);
  }
}
