package dev.chronomesh.projector;

import com.google.protobuf.ByteString;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.projector.generate.ConfigGenerator;
import dev.chronomesh.projector.generate.ConfigVersion;
import dev.chronomesh.projector.generate.EndpointSelector;
import dev.chronomesh.projector.generate.GeneratedConfig;
import dev.chronomesh.projector.generate.GeneratedResource;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.Protos;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher (Kafka's loader/publisher split): takes the batches the {@link MeshLoader} closes,
 * writes at once the shared endpoint sets they change, says which proxies they concern ({@link
 * AffectedProxies}), and regenerates proxies when asked — writing the {@code proxy-configs}, {@code
 * endpoints} and {@code proxy-deps} stores and sending a record only when its version (a content
 * hash) changed. Owns those stores and the {@link FanOutIndex} over {@code proxy-deps}.
 */
final class ConfigPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigPublisher.class);
  static final String CLA_TYPE_URL =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  /** Where records go: the processor's sinks. */
  interface Output {
    /** Sends a record to {@code sink} ({@code ProjectorTopology}'s), stamped by its causes. */
    void send(String sink, String key, Object value, List<EventRef> causes);
  }

  private final KeyValueStore<String, ProxyConfig> configs;
  private final KeyValueStore<String, ClusterEndpoints> endpoints;
  private final KeyValueStore<String, String> deps;
  private final Output output;
  private final FanOutIndex index = new FanOutIndex();

  /** A publisher over the task's stores; rebuilds the fan-out index from {@code deps}. */
  ConfigPublisher(
      KeyValueStore<String, ProxyConfig> configs,
      KeyValueStore<String, ClusterEndpoints> endpoints,
      KeyValueStore<String, String> deps,
      Output output) {
    this.configs = configs;
    this.endpoints = endpoints;
    this.deps = deps;
    this.output = output;
    try (KeyValueIterator<String, String> it = deps.all()) {
      it.forEachRemaining(
          kv -> {
            Keys.MeshAnd key = ProjectorTopology.meshScoped(kv.key);
            index.put(key.mesh(), key.rest(), ProxyDeps.fromJson(kv.value));
          });
    }
  }

  /**
   * Publishes what {@code batch} changes at once — the endpoint sets of the clusters in use of the
   * services it touched, so an endpoint change reaches gateways when its event is processed — and
   * returns the proxies it concerns with their causes, for the caller to regenerate now (a catch-up
   * batch) or at the end of the coalescing window (a live event).
   */
  SortedMap<String, List<EventRef>> publish(MeshBatch batch) {
    rewriteEndpoints(batch.after(), AffectedProxies.endpointServices(batch), batch.causes());
    return AffectedProxies.of(batch, index);
  }

  /**
   * Regenerates {@code proxies} of {@code image}, each with its causes.
   *
   * @return how many config records were sent
   */
  int regenerate(IndexedMesh image, Map<String, List<EventRef>> proxies) {
    int sent = 0;
    for (var proxy : proxies.entrySet()) {
      if (regenerate(image, proxy.getKey(), proxy.getValue())) {
        sent++;
      }
    }
    return sent;
  }

  /**
   * Regenerates every endpoint set and proxy of {@code image}'s mesh (those with a config and those
   * of its dataplanes): when which ones changed is not known. Unchanged ones are not sent.
   */
  void regenerateAll(IndexedMesh image, List<EventRef> causes) {
    rewriteEndpoints(image, image.endpointKeys(), causes);
    SortedSet<String> proxies = index.proxies(image.name());
    proxies.addAll(image.dataplanes().keySet());
    for (String proxy : proxies) {
      regenerate(image, proxy, causes);
    }
  }

  /** The meshes with a proxy that has a config. */
  Set<String> meshes() {
    return index.meshes();
  }

  /** Regenerates one proxy; true when its config record changed (and was sent). */
  boolean regenerate(IndexedMesh image, String proxy, List<EventRef> causes) {
    String mesh = image.name();
    String key = Keys.proxy(mesh, proxy);
    DataplaneResource dp = image.exists() ? image.dataplane(proxy) : null;
    ProxyDeps oldDeps = index.deps(mesh, proxy);
    if (dp == null) {
      index.remove(mesh, proxy);
      deps.delete(Keys.meshScoped(mesh, proxy));
      releaseClusters(mesh, oldDeps, causes);
      if (configs.get(key) == null) {
        return false;
      }
      configs.delete(key);
      output.send(ProjectorTopology.CONFIGS_SINK, key, null, causes);
      LOG.info("Config removed mesh={} proxy={}", mesh, proxy);
      return true;
    }
    GeneratedConfig generated = ConfigGenerator.generate(image.context(), dp);
    ProxyDeps newDeps = depsOf(dp, generated);
    // Every proxy with a config is in the index (a mesh delete finds them there), even one whose
    // config reads nothing else.
    if (!index.has(mesh, proxy) || !newDeps.equals(oldDeps)) {
      index.put(mesh, proxy, newDeps);
      deps.put(Keys.meshScoped(mesh, proxy), newDeps.toJson());
    }
    // A cluster this proxy already used has its endpoint set (it is released only when no proxy
    // uses it), so only a new one costs a store read.
    generated
        .edsClusters()
        .forEach(
            (cluster, selector) -> {
              if (!oldDeps.clusters().containsKey(cluster)
                  && endpoints.get(Keys.cluster(mesh, cluster)) == null) {
                writeEndpoints(
                    mesh, image.endpointsContext(selector.service()), cluster, selector, causes);
              }
            });
    releaseClusters(mesh, oldDeps, causes);
    String version = ConfigVersion.of(generated.resources());
    ProxyConfig before = configs.get(key);
    if (before != null && before.getVersion().equals(version)) {
      LOG.debug("Config unchanged mesh={} proxy={} version={}", mesh, proxy, version);
      return false;
    }
    ProxyConfig config =
        ProxyConfigRecords.of(
            mesh, proxy, version, ProxyConfigRecords.flavour(dp), generated, causes);
    configs.put(key, config);
    output.send(ProjectorTopology.CONFIGS_SINK, key, config, causes);
    LOG.info(
        "Config changed mesh={} proxy={} version={} resources={} causes={}",
        mesh,
        proxy,
        version,
        generated.resources().size(),
        causes.size());
    return true;
  }

  /** Tombstones the endpoint sets of clusters no proxy uses any more. */
  private void releaseClusters(String mesh, ProxyDeps old, List<EventRef> causes) {
    for (String cluster : old.clusters().keySet()) {
      String key = Keys.cluster(mesh, cluster);
      if (!index.inUse(mesh, cluster) && endpoints.get(key) != null) {
        endpoints.delete(key);
        output.send(ProjectorTopology.ENDPOINTS_SINK, key, null, causes);
        LOG.info("Endpoints removed mesh={} cluster={}", mesh, cluster);
      }
    }
  }

  /**
   * Recomputes the endpoint sets of every cluster in use of {@code services} (nothing when the mesh
   * does not exist), sending those whose version changed.
   */
  private void rewriteEndpoints(IndexedMesh image, Set<String> services, List<EventRef> causes) {
    if (!image.exists()) {
      return;
    }
    String mesh = image.name();
    for (String service : services) {
      SortedMap<String, EndpointSelector> clusters = index.clustersOf(mesh, service);
      if (!clusters.isEmpty()) {
        MeshContext context = image.endpointsContext(service);
        clusters.forEach(
            (cluster, selector) -> writeEndpoints(mesh, context, cluster, selector, causes));
      }
    }
  }

  /** Recomputes one cluster's endpoint set and sends it when its version changed. */
  private void writeEndpoints(
      String mesh,
      MeshContext context,
      String cluster,
      EndpointSelector selector,
      List<EventRef> causes) {
    ClusterLoadAssignment cla = context.loadAssignment(cluster, selector);
    ByteString bytes = Protos.deterministicBytes(cla);
    String version = ConfigVersion.of(List.of(new GeneratedResource(CLA_TYPE_URL, cluster, bytes)));
    String key = Keys.cluster(mesh, cluster);
    ClusterEndpoints before = endpoints.get(key);
    if (before != null && before.getVersion().equals(version)) {
      return;
    }
    ClusterEndpoints value =
        ClusterEndpoints.newBuilder()
            .setMesh(mesh)
            .setCluster(cluster)
            .setVersion(version)
            .setLoadAssignment(ByteBuffer.wrap(bytes.toByteArray()))
            .setCauses(List.copyOf(causes))
            .build();
    endpoints.put(key, value);
    output.send(ProjectorTopology.ENDPOINTS_SINK, key, value, causes);
    LOG.info(
        "Endpoints changed mesh={} cluster={} version={} endpoints={}",
        mesh,
        cluster,
        version,
        cla.getEndpointsList().stream().mapToInt(l -> l.getLbEndpointsCount()).sum());
  }

  /** What a proxy's config reads: see {@link ProxyDeps}. */
  private static ProxyDeps depsOf(DataplaneResource dp, GeneratedConfig generated) {
    boolean proxyless = KumaTags.isProxyless(dp.getLabels());
    SortedSet<String> services = new TreeSet<>();
    for (Outbound out : dp.getOutbound()) {
      String s = out.getTags().get(KumaTags.SERVICE);
      if (s != null && !s.isEmpty()) {
        services.add(s);
      }
      if (out.getBackendRef() != null && !out.getBackendRef().getName().isEmpty()) {
        // Reads the MeshService even while it does not exist (then the outbound is left out).
        services.add(EndpointSelector.meshServiceKey(out.getBackendRef().getName()));
      }
    }
    generated.edsClusters().values().forEach(sel -> services.add(sel.service()));
    return new ProxyDeps(proxyless, services, generated.edsClusters());
  }
}
