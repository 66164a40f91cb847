package dev.chronomesh.projector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.chronomesh.events.DeadLetters;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.ResourceIdentity;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.projector.generate.ConfigGenerator;
import dev.chronomesh.projector.generate.ConfigVersion;
import dev.chronomesh.projector.generate.EndpointSelector;
import dev.chronomesh.projector.generate.GeneratedConfig;
import dev.chronomesh.projector.generate.GeneratedResource;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.Protos;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The incremental projection of one task's meshes. Each event updates the resources store and the
 * in-memory {@link MeshImage}, marks dirty only the proxies it concerns (found through the {@link
 * FanOutIndex}: a dataplane itself, the readers of a service whose existence or protocol changed,
 * the proxies a policy selects before or after the change — only those reading one of its target
 * services when its only entries are {@code to} a service —, every proxy of a changed mesh) and
 * rewrites at once the shared endpoint sets of the clusters whose endpoints it changed, which no
 * proxy config contains.
 *
 * <p>Dirty proxies are regenerated once per coalescing window. Windows are slices of event time
 * ({@code occurredAt / window}), so which events share a window depends on the log alone: a window
 * is flushed when the first event of a later window arrives, or, when no event has arrived for one
 * window of wall-clock time, by a punctuator. A config is emitted only when its version (a content
 * hash) changed; its causes are the events of the window that marked the proxy dirty.
 *
 * <p>Events that happened more than the catch-up lag ago (a replay with a fresh application id, a
 * restart after downtime, a backlog) are projected in <em>catch-up batches</em> instead: each
 * mesh's changes are collected in one {@link MeshDelta} (the resources store is still written per
 * event), and a batch is flushed once — its proxies regenerated, the endpoint sets of its touched
 * services rewritten — when an event within the lag arrives, when no event arrived for one window,
 * or when it has been open for {@link #CATCH_UP_BATCH_MS}. The final configs equal those of window
 * by window projection; the intermediate versions in between are skipped, and a config's causes are
 * the first and last event of its mesh in the batch. An open batch is remembered by one entry in
 * the dirty store; a task that restarts with it regenerates every proxy of its meshes.
 */
final class MeshProjector extends ContextualProcessor<String, ResourceEvent, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(MeshProjector.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String MESH = "Mesh";
  static final String DATAPLANE = "Dataplane";
  static final String CLA_TYPE_URL =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  /**
   * How often per window the idle flush checks for a window of silence: the window's configs then
   * wait at most a fifth of a window beyond it (5 ms at the default 25 ms).
   */
  static final long IDLE_CHECKS_PER_WINDOW = 5;

  /**
   * How many dirty proxies an idle flush regenerates before it commits: a window that dirtied many
   * (a mesh-wide policy) reaches gateways in parts, so they push the first configs while the
   * projector generates the rest, instead of after all of them.
   */
  static final int IDLE_FLUSH_CHUNK = 200;

  /** How long a catch-up batch stays open at most (wall-clock), so progress stays visible. */
  static final long CATCH_UP_BATCH_MS = 5_000;

  /** The dirty-store key of an open catch-up batch (a mesh key always has a '/'). */
  static final String CATCH_UP_KEY = "catch-up";

  private final long windowMs;

  /** Events older than this are projected in catch-up batches; 0: never. */
  private final long catchUpLagMs;

  private final StringSerializer keySerializer = new StringSerializer();
  private KeyValueStore<String, ResourceEvent> resources;
  private KeyValueStore<String, ProxyConfig> configs;
  private KeyValueStore<String, ClusterEndpoints> endpoints;
  private KeyValueStore<String, String> deps;
  private KeyValueStore<String, String> dirtyStore;

  private final Map<String, MeshImage> images = new HashMap<>();
  private final FanOutIndex index = new FanOutIndex();

  /** mesh → proxy → the events of the open window that marked it dirty (mirrors dirtyStore). */
  private final SortedMap<String, SortedMap<String, List<EventRef>>> dirty = new TreeMap<>();

  /** The event-time window the dirty proxies belong to; meaningless while none is dirty. */
  private long openWindow;

  /** Wall-clock time of the last processed event, for the idle flush. */
  private long lastEventWallClock;

  /** mesh → the changes of the open catch-up batch; empty while none is open. */
  private final Map<String, CatchUpBatch> catchUp = new TreeMap<>();

  /** Wall-clock time the open catch-up batch was opened. */
  private long catchUpOpenedAt;

  /** The causes of a catch-up batch found open at start (every proxy is regenerated); or null. */
  private List<EventRef> interruptedCatchUp;

  MeshProjector(Duration window, Duration catchUpLag) {
    this.windowMs = Math.max(1, window.toMillis());
    this.catchUpLagMs = Math.max(0, catchUpLag.toMillis());
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    super.init(context);
    resources = context.getStateStore(ProjectorTopology.RESOURCES_STORE);
    configs = context.getStateStore(ProjectorTopology.PROXY_CONFIGS_STORE);
    endpoints = context.getStateStore(ProjectorTopology.ENDPOINTS_STORE);
    deps = context.getStateStore(ProjectorTopology.PROXY_DEPS_STORE);
    dirtyStore = context.getStateStore(ProjectorTopology.DIRTY_STORE);
    try (KeyValueIterator<String, String> it = deps.all()) {
      it.forEachRemaining(
          kv -> {
            String[] mp = splitMeshKey(kv.key);
            index.put(mp[0], mp[1], ProxyDeps.fromJson(kv.value));
          });
    }
    try (KeyValueIterator<String, String> it = dirtyStore.all()) {
      it.forEachRemaining(
          kv -> {
            JsonNode node = readJson(kv.value);
            openWindow = Math.max(openWindow, node.path("window").asLong());
            List<EventRef> causes = new ArrayList<>();
            node.path("causes")
                .forEach(
                    c ->
                        causes.add(
                            new EventRef(
                                c.path("partition").asInt(),
                                c.path("offset").asLong(),
                                java.time.Instant.ofEpochMilli(c.path("occurredAt").asLong()))));
            if (kv.key.equals(CATCH_UP_KEY)) {
              interruptedCatchUp = causes;
              return;
            }
            String[] mp = splitMeshKey(kv.key);
            dirty.computeIfAbsent(mp[0], m -> new TreeMap<>()).put(mp[1], causes);
          });
    }
    lastEventWallClock = context.currentSystemTimeMs();
    context.schedule(
        Duration.ofMillis(Math.max(1, windowMs / IDLE_CHECKS_PER_WINDOW)),
        PunctuationType.WALL_CLOCK_TIME,
        this::flushIfIdle);
  }

  @Override
  public void process(Record<String, ResourceEvent> record) {
    RecordMetadata position =
        context()
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("events are processed from a topic"));
    long now = context().currentSystemTimeMs();
    lastEventWallClock = now;
    if (interruptedCatchUp != null) {
      regenerateAfterInterruptedCatchUp();
    }
    ResourceEvent event = record.value();
    List<String> problems = ResourceIdentity.ofEventRecord(record.key(), event);
    if (!problems.isEmpty()) {
      LOG.warn(
          "Dead-lettering invalid event topic={} partition={} offset={} problems={}",
          position.topic(),
          position.partition(),
          position.offset(),
          problems);
      if (event != null) {
        var headers =
            DeadLetters.headers(
                position.topic(),
                position.partition(),
                position.offset(),
                "InvalidEvent",
                String.join("; ", problems));
        context()
            .forward(
                new Record<String, Object>(record.key(), event, record.timestamp(), headers),
                ProjectorTopology.DEAD_LETTERS_SINK);
      }
      return;
    }
    String type = event.getResourceType();
    boolean policy = PolicyResources.isPolicyType(type);
    if (!type.equals(MESH) && !type.equals(DATAPLANE) && !policy) {
      LOG.debug(
          "Ignoring event of a type no config reads mesh={} type={} offset={}",
          event.getMesh(),
          type,
          position.offset());
      return;
    }
    EventRef cause =
        EventRef.newBuilder()
            .setPartition(position.partition())
            .setOffset(position.offset())
            .setOccurredAt(event.getOccurredAt())
            .build();
    boolean behind = catchUpLagMs > 0 && now - event.getOccurredAt().toEpochMilli() > catchUpLagMs;
    if (!catchUp.isEmpty() && (!behind || now - catchUpOpenedAt >= CATCH_UP_BATCH_MS)) {
      flushCatchUp();
    }
    long window = Math.max(event.getOccurredAt().toEpochMilli() / windowMs, openWindow);
    if (behind) {
      if (catchUp.isEmpty()) {
        flush();
        catchUpOpenedAt = now;
        dirtyStore.put(CATCH_UP_KEY, dirtyJson(window, List.of(cause)));
      }
      openWindow = window;
      catchUp
          .computeIfAbsent(event.getMesh(), m -> new CatchUpBatch(new MeshDelta(image(m)), cause))
          .add(event, cause);
      store(event);
      return;
    }
    if (window > openWindow) {
      flush();
      openWindow = window;
    }
    String mesh = event.getMesh();
    MeshImage before = image(mesh);
    MeshDelta delta = new MeshDelta(before);
    delta.replay(event);
    MeshImage after = delta.apply(position.offset());
    images.put(mesh, after);
    store(event);
    SortedSet<String> affected =
        switch (type) {
          case MESH -> affectedByMesh(before, after);
          case DATAPLANE -> affectedByDataplane(event.getName(), delta, after, cause);
          default ->
              affectedByPolicy(before.policy(type, event.getName()), after, type, event.getName());
        };
    markDirty(event.getMesh(), affected, cause);
  }

  private MeshImage image(String mesh) {
    return images.computeIfAbsent(mesh, this::load);
  }

  /** Loads a mesh's image from the resources store (its offset unknown: -1). */
  private MeshImage load(String mesh) {
    List<Object> payloads = new ArrayList<>();
    try (KeyValueIterator<String, ResourceEvent> it =
        resources.prefixScan(meshPrefix(mesh), keySerializer)) {
      it.forEachRemaining(kv -> payloads.add(kv.value.getPayload()));
    }
    return MeshImage.of(mesh, payloads, -1);
  }

  /** Keeps the resources store in step with the images (it is what a restart loads). */
  private void store(ResourceEvent event) {
    String mesh = event.getMesh();
    String key = resourceKey(mesh, event.getResourceType(), event.getName());
    if (event.getKind() == EventKind.UPSERTED) {
      resources.put(key, event);
    } else if (event.getResourceType().equals(MESH)) {
      // As in Kuma, deleting a mesh deletes every resource in it.
      List<String> keys = new ArrayList<>();
      try (KeyValueIterator<String, ResourceEvent> it =
          resources.prefixScan(meshPrefix(mesh), keySerializer)) {
        it.forEachRemaining(kv -> keys.add(kv.key));
      }
      keys.forEach(resources::delete);
      LOG.info("Deleted mesh={} resources={}", mesh, keys.size());
    } else {
      resources.delete(key);
    }
  }

  /** A mesh change concerns every proxy of the mesh, before and after. */
  private SortedSet<String> affectedByMesh(MeshImage before, MeshImage after) {
    SortedSet<String> affected = index.proxies(after.name());
    affected.addAll(before.dataplanes().keySet());
    affected.addAll(after.dataplanes().keySet());
    return affected;
  }

  /**
   * A dataplane change concerns the dataplane and the readers of every service whose existence or
   * protocol changed; the endpoint sets of its services' clusters are rewritten at once.
   */
  private SortedSet<String> affectedByDataplane(
      String name, MeshDelta delta, MeshImage after, EventRef cause) {
    String mesh = after.name();
    SortedSet<String> affected = new TreeSet<>();
    affected.add(name);
    for (String service : delta.changedServices(after)) {
      affected.addAll(index.readers(mesh, service));
    }
    affected.addAll(callerSideReaders(delta.base(), after, Set.of(name)));
    rewriteEndpoints(after, delta.touchedServices(after), List.of(cause));
    return affected;
  }

  /**
   * The readers of the services of {@code dataplanes} (before and after), when the mesh has a
   * policy applied on the callers' side ({@link PolicyType#callerSide()}): whether such a policy
   * reaches a caller depends on the labels and tags of every instance of the destination, so a
   * change of an instance concerns its callers.
   */
  private SortedSet<String> callerSideReaders(
      MeshImage before, MeshImage after, Set<String> dataplanes) {
    SortedSet<String> readers = new TreeSet<>();
    boolean any =
        Policies.all().stream()
            .filter(PolicyType::callerSide)
            .anyMatch(t -> hasPolicies(before, t) || hasPolicies(after, t));
    if (!any) {
      return readers;
    }
    for (String dp : dataplanes) {
      Set<String> services = new TreeSet<>(MeshImage.services(before.dataplane(dp)));
      services.addAll(MeshImage.services(after.dataplane(dp)));
      for (String service : services) {
        readers.addAll(index.readers(after.name(), service));
      }
    }
    return readers;
  }

  private static boolean hasPolicies(MeshImage image, PolicyType<?> type) {
    String prefix = Keys.typed(type.name(), "");
    String next = image.policies().ceilingKey(prefix);
    return next != null && next.startsWith(prefix);
  }

  /**
   * A policy change concerns the proxies it selected before or selects now; when both versions only
   * have {@code to} entries naming services, only those of them whose config reads one of these
   * services (a {@code to} entry changes the outbounds to its target and nothing else).
   */
  private SortedSet<String> affectedByPolicy(
      Policy before, MeshImage after, String type, String name) {
    Policy now = after.policy(type, name);
    Set<String> services = new TreeSet<>();
    boolean onlyServiceOutbounds =
        toServicesOnly(before, services) && toServicesOnly(now, services);
    SortedSet<String> candidates = null;
    if (onlyServiceOutbounds) {
      candidates = new TreeSet<>();
      for (String service : services) {
        candidates.addAll(index.readers(after.name(), service));
      }
    }
    SortedSet<String> affected = new TreeSet<>();
    for (DataplaneResource dp : after.dataplanes().values()) {
      if (candidates != null && !candidates.contains(dp.getName())) {
        continue;
      }
      var view = ProxyViews.of(dp);
      if ((before != null && PolicyEngine.selects(before, view))
          || (now != null && PolicyEngine.selects(now, view))) {
        affected.add(dp.getName());
      }
    }
    if (Policies.byName(type).map(PolicyType::callerSide).orElse(false)) {
      // Its inbound confs also shape the configs of the selected proxies' callers.
      for (String dp : List.copyOf(affected)) {
        for (String service : MeshImage.services(after.dataplane(dp))) {
          affected.addAll(index.readers(after.name(), service));
        }
      }
    }
    return affected;
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

  private void markDirty(String mesh, SortedSet<String> proxies, EventRef cause) {
    if (proxies.isEmpty()) {
      return;
    }
    SortedMap<String, List<EventRef>> byProxy = dirty.computeIfAbsent(mesh, m -> new TreeMap<>());
    for (String proxy : proxies) {
      List<EventRef> causes = byProxy.computeIfAbsent(proxy, p -> new ArrayList<>());
      causes.add(cause);
      dirtyStore.put(meshKey(mesh, proxy), dirtyJson(openWindow, causes));
    }
  }

  private void flushIfIdle(long now) {
    if (interruptedCatchUp != null) {
      regenerateAfterInterruptedCatchUp();
    }
    if (now - lastEventWallClock >= windowMs) {
      flushCatchUp();
      if (flush(IDLE_FLUSH_CHUNK) > 0) {
        // Commit now rather than at the next commit interval, so that gateways (read_committed)
        // see these configs at once; the rest of a large window follows in the next check.
        context().commit();
      }
    }
  }

  /**
   * Applies each mesh's changes of the catch-up batch at once: rewrites the endpoint sets of the
   * services its dataplanes touched, then regenerates the proxies the batch as a whole concerns (as
   * one event with all of its changes would).
   */
  private void flushCatchUp() {
    if (catchUp.isEmpty()) {
      return;
    }
    int events = 0;
    int regenerated = 0;
    for (var entry : catchUp.entrySet()) {
      String mesh = entry.getKey();
      CatchUpBatch batch = entry.getValue();
      events += batch.events;
      MeshDelta delta = batch.delta;
      MeshImage before = delta.base();
      MeshImage after = delta.apply(batch.last.getOffset());
      images.put(mesh, after);
      List<EventRef> causes =
          batch.first.equals(batch.last) ? List.of(batch.last) : List.of(batch.first, batch.last);
      rewriteEndpoints(after, delta.touchedServices(after), causes);
      SortedSet<String> affected;
      if (delta.meshChanged()) {
        affected = affectedByMesh(before, after);
      } else {
        affected = new TreeSet<>(delta.dataplaneNames());
        for (String service : delta.changedServices(after)) {
          affected.addAll(index.readers(mesh, service));
        }
        affected.addAll(callerSideReaders(before, after, delta.dataplaneNames()));
        for (String key : delta.policyKeys()) {
          Keys.Typed typed = Keys.parseTyped(key).orElseThrow();
          affected.addAll(
              affectedByPolicy(
                  before.policy(typed.type(), typed.name()), after, typed.type(), typed.name()));
        }
      }
      for (String proxy : affected) {
        regenerate(after, proxy, causes);
      }
      regenerated += affected.size();
    }
    catchUp.clear();
    dirtyStore.delete(CATCH_UP_KEY);
    LOG.info("Caught up events={} regenerated={}", events, regenerated);
  }

  /**
   * A catch-up batch was open when this task stopped: its events are in the resources store, but
   * which proxies they concern is not; regenerates every proxy and endpoint set of the task's
   * meshes (unchanged ones are not emitted).
   */
  private void regenerateAfterInterruptedCatchUp() {
    List<EventRef> causes = interruptedCatchUp;
    interruptedCatchUp = null;
    SortedSet<String> meshes = new TreeSet<>(index.meshes());
    try (KeyValueIterator<String, ResourceEvent> it = resources.all()) {
      it.forEachRemaining(kv -> meshes.add(splitMeshKey(kv.key)[0]));
    }
    for (String mesh : meshes) {
      MeshImage image = image(mesh);
      rewriteEndpoints(image, image.instances().keySet(), causes);
      SortedSet<String> proxies = index.proxies(mesh);
      proxies.addAll(image.dataplanes().keySet());
      for (String proxy : proxies) {
        regenerate(image, proxy, causes);
      }
    }
    dirtyStore.delete(CATCH_UP_KEY);
    LOG.info("Regenerated the meshes of an interrupted catch-up batch meshes={}", meshes.size());
  }

  /** Regenerates every dirty proxy, emits the changed configs, and clears the dirty set. */
  private void flush() {
    flush(Integer.MAX_VALUE);
  }

  /**
   * Regenerates up to {@code limit} dirty proxies (in mesh and proxy order), emits the changed
   * configs, and removes them from the dirty set.
   *
   * @return how many configs were emitted
   */
  private int flush(int limit) {
    int regenerated = 0;
    int emitted = 0;
    var meshes = dirty.entrySet().iterator();
    while (meshes.hasNext() && regenerated < limit) {
      var meshEntry = meshes.next();
      String mesh = meshEntry.getKey();
      MeshImage image = image(mesh);
      var proxies = meshEntry.getValue().entrySet().iterator();
      while (proxies.hasNext() && regenerated < limit) {
        var proxyEntry = proxies.next();
        regenerated++;
        if (regenerate(image, proxyEntry.getKey(), proxyEntry.getValue())) {
          emitted++;
        }
        dirtyStore.delete(meshKey(mesh, proxyEntry.getKey()));
        proxies.remove();
      }
      if (meshEntry.getValue().isEmpty()) {
        meshes.remove();
      }
    }
    if (regenerated > 0) {
      LOG.debug(
          "Flushed window={} regenerated={} emitted={} meshesLeft={}",
          openWindow,
          regenerated,
          emitted,
          dirty.size());
    }
    return emitted;
  }

  /** Regenerates one proxy; true when its config record changed. */
  private boolean regenerate(MeshImage image, String proxy, List<EventRef> causes) {
    String mesh = image.name();
    String key = proxyKey(mesh, proxy);
    DataplaneResource dp = image.exists() ? image.dataplane(proxy) : null;
    ProxyDeps oldDeps = index.deps(mesh, proxy);
    if (dp == null) {
      index.remove(mesh, proxy);
      deps.delete(meshKey(mesh, proxy));
      releaseClusters(mesh, oldDeps, causes);
      if (configs.get(key) == null) {
        return false;
      }
      configs.delete(key);
      forward(ProjectorTopology.CONFIGS_SINK, key, null, causes);
      LOG.info("Config removed mesh={} proxy={}", mesh, proxy);
      return true;
    }
    GeneratedConfig generated = ConfigGenerator.generate(image.context(), dp);
    ProxyDeps newDeps = depsOf(dp, generated);
    // Every proxy with a config is in the index (a mesh delete finds them there), even one whose
    // config reads nothing else.
    if (!index.has(mesh, proxy) || !newDeps.equals(oldDeps)) {
      index.put(mesh, proxy, newDeps);
      deps.put(meshKey(mesh, proxy), newDeps.toJson());
    }
    generated
        .edsClusters()
        .forEach(
            (cluster, selector) -> {
              if (endpoints.get(endpointsKey(mesh, cluster)) == null) {
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
    ProxyConfig config = ProxyConfigRecords.of(mesh, proxy, version, generated.resources(), causes);
    configs.put(key, config);
    forward(ProjectorTopology.CONFIGS_SINK, key, config, causes);
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
      String key = endpointsKey(mesh, cluster);
      if (!index.inUse(mesh, cluster) && endpoints.get(key) != null) {
        endpoints.delete(key);
        forward(ProjectorTopology.ENDPOINTS_SINK, key, null, causes);
        LOG.info("Endpoints removed mesh={} cluster={}", mesh, cluster);
      }
    }
  }

  /**
   * Recomputes the endpoint sets of every cluster in use of {@code services} (nothing when the mesh
   * does not exist), emitting those whose version changed.
   */
  private void rewriteEndpoints(MeshImage image, Set<String> services, List<EventRef> causes) {
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

  /** Recomputes one cluster's endpoint set and emits it when its version changed. */
  private void writeEndpoints(
      String mesh,
      MeshContext context,
      String cluster,
      EndpointSelector selector,
      List<EventRef> causes) {
    ClusterLoadAssignment cla = context.loadAssignment(cluster, selector);
    ByteString bytes = Protos.deterministicBytes(cla);
    String version = ConfigVersion.of(List.of(new GeneratedResource(CLA_TYPE_URL, cluster, bytes)));
    String key = endpointsKey(mesh, cluster);
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
    forward(ProjectorTopology.ENDPOINTS_SINK, key, value, causes);
    LOG.info(
        "Endpoints changed mesh={} cluster={} version={} endpoints={}",
        mesh,
        cluster,
        version,
        cla.getEndpointsList().stream().mapToInt(l -> l.getLbEndpointsCount()).sum());
  }

  /** What a proxy's config reads: see {@link ProxyDeps}. */
  private static ProxyDeps depsOf(DataplaneResource dp, GeneratedConfig generated) {
    boolean proxyless = KumaTags.PROXYLESS.equals(dp.getLabels().get(KumaTags.PROXY_TYPE_LABEL));
    SortedSet<String> services = new TreeSet<>();
    for (Outbound out : dp.getOutbound()) {
      String s = out.getTags().get(KumaTags.SERVICE);
      if (s != null && !s.isEmpty()) {
        services.add(s);
      }
    }
    generated.edsClusters().values().forEach(sel -> services.add(sel.service()));
    return new ProxyDeps(proxyless, services, generated.edsClusters());
  }

  private void forward(String sink, String key, Object value, List<EventRef> causes) {
    long timestamp =
        causes.stream().mapToLong(c -> c.getOccurredAt().toEpochMilli()).max().orElse(0L);
    context().forward(new Record<String, Object>(key, value, timestamp, new RecordHeaders()), sink);
  }

  /** One mesh's changes in the open catch-up batch. */
  private static final class CatchUpBatch {
    final MeshDelta delta;
    final EventRef first;
    EventRef last;
    int events;

    CatchUpBatch(MeshDelta delta, EventRef first) {
      this.delta = delta;
      this.first = first;
      this.last = first;
    }

    void add(ResourceEvent event, EventRef cause) {
      delta.replay(event);
      last = cause;
      events++;
    }
  }

  private static String dirtyJson(long window, List<EventRef> causes) {
    ObjectNode root = JSON.createObjectNode();
    root.put("window", window);
    ArrayNode list = root.putArray("causes");
    for (EventRef c : causes) {
      list.addObject()
          .put("partition", c.getPartition())
          .put("offset", c.getOffset())
          .put("occurredAt", c.getOccurredAt().toEpochMilli());
    }
    return root.toString();
  }

  private static JsonNode readJson(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable store value: " + json, e);
    }
  }

  static String meshPrefix(String mesh) {
    return Keys.meshPrefix(mesh);
  }

  static String resourceKey(String mesh, String type, String name) {
    return Keys.resource(mesh, type, name);
  }

  /** Key of the internal per-proxy stores: {@code <mesh>/<proxy>} (a mesh name has no '/'). */
  static String meshKey(String mesh, String proxy) {
    return Keys.meshScoped(mesh, proxy);
  }

  static String[] splitMeshKey(String key) {
    Keys.MeshAnd split =
        Keys.parseMeshScoped(key)
            .orElseThrow(() -> new IllegalStateException("not a <mesh>/<name> key: " + key));
    return new String[] {split.mesh(), split.rest()};
  }

  /** The record key and xDS node id of a proxy. */
  static String proxyKey(String mesh, String dataplane) {
    return Keys.proxy(mesh, dataplane);
  }

  /** The key of a cluster's endpoint set in the endpoints topic and store. */
  static String endpointsKey(String mesh, String cluster) {
    return Keys.cluster(mesh, cluster);
  }
}
