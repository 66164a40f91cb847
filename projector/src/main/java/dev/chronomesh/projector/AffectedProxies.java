package dev.chronomesh.projector;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.meshmodel.MeshGateway;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceKey;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.projector.generate.EndpointSelector;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which proxies and endpoint sets a batch of one mesh's events concerns: the one place that knows,
 * for a live event (a batch of one) and a catch-up batch alike. Pure: it reads the batch's delta,
 * its images before and after, and the {@link FanOutIndex} of what each proxy's config read, and
 * changes nothing. The rules:
 *
 * <ul>
 *   <li>the Mesh upserted or deleted: every proxy of the mesh, before and after (and nothing else
 *       needs computing);
 *   <li>a dataplane upserted or deleted: the dataplane itself; the readers of each of its services
 *       (before or after) whose existence or declared protocols changed; when the mesh has a policy
 *       of a type applied on the callers' side ({@link PolicyType#callerSide()}), before or after,
 *       the readers of all its services, since whether such a policy reaches a caller depends on
 *       every instance of the destination;
 *   <li>a policy upserted or deleted: the proxies its top-level targetRef selects, before or after;
 *       when both versions only have {@code to} entries naming services, only those of them whose
 *       config reads one of these services; for a caller-side type also the readers of the services
 *       of the proxies it selects.
 * </ul>
 *
 * <ul>
 *   <li>a MeshService upserted or deleted: every proxy of the mesh.
 * </ul>
 *
 * <p>Endpoint sets: those of every service an upserted or deleted dataplane has (before or after)
 * and of every MeshService when a dataplane changed; those of a changed MeshService; after a Mesh
 * deletion, those of every service the mesh had.
 */
final class AffectedProxies {
  private AffectedProxies() {}

  /**
   * The proxies to regenerate for {@code batch}, sorted, each with the events that caused it: the
   * batch's causes (a live event's own; a catch-up batch's first and last event of the mesh).
   */
  static SortedMap<String, List<EventRef>> of(MeshBatch batch, FanOutIndex index) {
    SortedMap<String, List<EventRef>> out = new TreeMap<>();
    for (String proxy : proxies(batch, index)) {
      out.put(proxy, batch.causes());
    }
    return out;
  }

  /** The proxies {@code batch} concerns, sorted. */
  static SortedSet<String> proxies(MeshBatch batch, FanOutIndex index) {
    IndexedMesh before = batch.before();
    IndexedMesh after = batch.after();
    String mesh = batch.mesh();
    if (batch.delta().meshChanged()) {
      SortedSet<String> affected = index.proxies(mesh);
      affected.addAll(before.dataplanes().keySet());
      affected.addAll(after.dataplanes().keySet());
      return affected;
    }
    SortedSet<String> dataplanes = batch.delta().changed(ResourceType.DATAPLANE);
    SortedSet<String> affected = new TreeSet<>(dataplanes);
    for (String service : changedServices(dataplanes, before, after)) {
      affected.addAll(index.readers(mesh, service));
    }
    if (hasCallerSidePolicies(before)
        || hasCallerSidePolicies(after)
        || hasIdentities(before)
        || hasIdentities(after)) {
      // A dataplane's labels pick its MeshIdentity and SPIFFE ID, which its callers verify.
      for (String service : servicesOf(dataplanes, before, after)) {
        affected.addAll(index.readers(mesh, service));
      }
    }
    boolean meshServiceChanged = false;
    for (ResourceKey key : batch.delta().changed()) {
      if (PolicyResources.isPolicyType(key.type().name())) {
        affected.addAll(selectedBy(key.type().name(), key.name(), before, after, index));
      } else if (key.type().equals(ResourceType.MESH_GATEWAY)) {
        // Which builtin gateways a MeshGateway binds depends on every MeshGateway's selectors.
        affected.addAll(builtinGateways(before));
        affected.addAll(builtinGateways(after));
      }
      meshServiceChanged |= key.type().equals(ResourceType.MESH_SERVICE);
      meshServiceChanged |= key.type().equals(ResourceType.MESH_TRUST);
      meshServiceChanged |= key.type().equals(ResourceType.MESH_IDENTITY);
    }
    if (meshServiceChanged) {
      // Which MeshService an outbound's labels pick, its ports and protocols: rare changes, so
      // every proxy of the mesh rather than an index of who reads which MeshService by labels.
      // A MeshTrust's or MeshIdentity's trust domain is in every mTLS inbound's peer validation, a
      // MeshIdentity's SPIFFE IDs in its services' callers' clusters: every proxy too.
      affected.addAll(index.proxies(mesh));
      affected.addAll(after.dataplanes().keySet());
    }
    return affected;
  }

  /** The services whose endpoint sets {@code batch} may have changed, sorted. */
  static SortedSet<String> endpointServices(MeshBatch batch) {
    SortedSet<String> dataplanes = batch.delta().changed(ResourceType.DATAPLANE);
    SortedSet<String> services = servicesOf(dataplanes, batch.before(), batch.after());
    // A MeshService may select any dataplane (by tags, name or labels): a dataplane change may
    // change the endpoints of each; a MeshService change those of its own ports.
    for (String ms : batch.delta().changed(ResourceType.MESH_SERVICE)) {
      services.add(EndpointSelector.meshServiceKey(ms));
    }
    if (!dataplanes.isEmpty()) {
      batch
          .after()
          .meshServices()
          .forEach(m -> services.add(EndpointSelector.meshServiceKey(m.name())));
    }
    if (batch.delta().meshDeleted()) {
      // Every instance went with the mesh, also of services whose dataplanes are not re-created.
      services.addAll(batch.before().endpointKeys());
    }
    return services;
  }

  /** The services of {@code dataplanes}' inbounds, before and after. */
  private static SortedSet<String> servicesOf(
      Set<String> dataplanes, IndexedMesh before, IndexedMesh after) {
    SortedSet<String> out = new TreeSet<>();
    for (String dp : dataplanes) {
      out.addAll(IndexedMesh.services(before.dataplane(dp)));
      out.addAll(IndexedMesh.services(after.dataplane(dp)));
    }
    return out;
  }

  /**
   * The services of {@code dataplanes} whose signature (existence, declared protocols) differs
   * between the images: what other proxies' configs read of them changed.
   */
  private static SortedSet<String> changedServices(
      Set<String> dataplanes, IndexedMesh before, IndexedMesh after) {
    SortedSet<String> changed = new TreeSet<>();
    for (String service : servicesOf(dataplanes, before, after)) {
      if (!Objects.equals(before.signature(service), after.signature(service))) {
        changed.add(service);
      }
    }
    return changed;
  }

  private static boolean hasIdentities(IndexedMesh image) {
    return !image.state().resources(ResourceType.MESH_IDENTITY).isEmpty();
  }

  private static boolean hasCallerSidePolicies(IndexedMesh image) {
    return Policies.all().stream().filter(PolicyType::callerSide).anyMatch(image::hasPolicies);
  }

  /**
   * The proxies the policy selects before or after; when both versions only have {@code to} entries
   * naming services, only those whose config reads one of these services (a {@code to} entry
   * changes the outbounds to its target and nothing else); for a caller-side type, also the readers
   * of the services of the selected proxies (its inbound confs shape their callers).
   */
  private static SortedSet<String> selectedBy(
      String type, String name, IndexedMesh before, IndexedMesh after, FanOutIndex index) {
    String mesh = after.name();
    Policy was = before.policy(type, name);
    Policy now = after.policy(type, name);
    Set<String> services = new TreeSet<>();
    boolean onlyServiceOutbounds = toServicesOnly(was, services) && toServicesOnly(now, services);
    SortedSet<String> candidates = null;
    if (onlyServiceOutbounds) {
      candidates = new TreeSet<>();
      for (String service : services) {
        candidates.addAll(index.readers(mesh, service));
        // An item naming `service` also applies to the ports of the MeshService of that name.
        candidates.addAll(index.readers(mesh, EndpointSelector.meshServiceKey(service)));
      }
    }
    // A policy on a MeshHTTPRoute's traffic applies where the route does.
    List<Policy> routesBefore = before.policies(MeshHTTPRoute.TYPE.name());
    List<Policy> routesAfter = after.policies(MeshHTTPRoute.TYPE.name());
    SortedSet<String> affected = new TreeSet<>();
    for (Resource r : after.dataplanes().values()) {
      DataplaneResource dp = (DataplaneResource) r.payload();
      if (candidates != null && !candidates.contains(dp.getName())) {
        continue;
      }
      var view = ProxyViews.of(dp);
      if ((was != null && PolicyEngine.selects(was, view, routesBefore))
          || (now != null && PolicyEngine.selects(now, view, routesAfter))
          || (MeshGateway.isBuiltinGateway(dp) && (targetsGateway(was) || targetsGateway(now)))) {
        affected.add(dp.getName());
      }
    }
    if (Policies.byName(type).map(PolicyType::callerSide).orElse(false)) {
      for (String dp : List.copyOf(affected)) {
        for (String service : IndexedMesh.services(after.dataplane(dp))) {
          affected.addAll(index.readers(mesh, service));
        }
      }
    }
    return affected;
  }

  /**
   * Whether a policy (null: absent) targets a MeshGateway: which gateway listeners it selects
   * depends on the MeshGateways, so every builtin gateway is regenerated (unchanged ones are not
   * emitted).
   */
  private static boolean targetsGateway(Policy policy) {
    return policy != null && policy.targetRef().kind() == TargetRef.Kind.MESH_GATEWAY;
  }

  /** The builtin gateway dataplanes of a mesh image. */
  private static SortedSet<String> builtinGateways(IndexedMesh image) {
    SortedSet<String> out = new TreeSet<>();
    for (Resource r : image.dataplanes().values()) {
      if (MeshGateway.isBuiltinGateway((DataplaneResource) r.payload())) {
        out.add(r.name());
      }
    }
    return out;
  }

  /**
   * Whether the policy (null: absent) has neither {@code from} nor {@code rules} entries and every
   * {@code to} entry targets a service (MeshService, MeshServiceSubset); adds those services.
   */
  private static boolean toServicesOnly(Policy policy, Set<String> services) {
    if (policy == null) {
      return true;
    }
    if (!policy.from().isEmpty() || !policy.rules().isEmpty()) {
      return false;
    }
    for (var to : policy.to()) {
      TargetRef.Kind kind = to.targetRef().kind();
      if (kind != TargetRef.Kind.MESH_SERVICE && kind != TargetRef.Kind.MESH_SERVICE_SUBSET) {
        return false;
      }
      services.add(to.targetRef().name());
    }
    return true;
  }
}
