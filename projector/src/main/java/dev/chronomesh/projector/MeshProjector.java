package dev.chronomesh.projector;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.projector.generate.ConfigVersion;
import dev.chronomesh.projector.generate.GeneratedResource;
import dev.chronomesh.projector.generate.MeshResources;
import dev.chronomesh.projector.generate.ProxylessGrpcGenerator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each event of a mesh to the resources store, regenerates the configs of the mesh's
 * proxies and forwards those whose version changed, plus tombstones for proxies that are gone.
 *
 * <p>Walking skeleton: every event marks every proxy of its mesh dirty and regenerates it at once.
 * The incremental fan-out (indices from services and policies to the proxies they concern, short
 * coalescing windows) replaces {@code affectedProxies} later; the compare-and-forward step stays.
 */
final class MeshProjector extends ContextualProcessor<String, ResourceEvent, String, ProxyConfig> {
  private static final Logger LOG = LoggerFactory.getLogger(MeshProjector.class);
  static final String MESH = "Mesh";
  static final String DATAPLANE = "Dataplane";

  private final StringSerializer keySerializer = new StringSerializer();
  private KeyValueStore<String, ResourceEvent> resources;
  private KeyValueStore<String, ProxyConfig> configs;

  @Override
  public void init(ProcessorContext<String, ProxyConfig> context) {
    super.init(context);
    resources = context.getStateStore(ProjectorTopology.RESOURCES_STORE);
    configs = context.getStateStore(ProjectorTopology.PROXY_CONFIGS_STORE);
  }

  @Override
  public void process(Record<String, ResourceEvent> record) {
    RecordMetadata position =
        context()
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("events are processed from a topic"));
    ResourceEvent event = record.value();
    List<String> problems = problems(record.key(), event);
    if (!problems.isEmpty()) {
      // A dead-letter topic for invalid events is a later issue; the log is the trace for now.
      LOG.warn(
          "Skipping invalid event topic={} partition={} offset={} problems={}",
          position.topic(),
          position.partition(),
          position.offset(),
          problems);
      return;
    }
    String mesh = event.getMesh();
    String type = event.getResourceType();
    if (!type.equals(MESH) && !type.equals(DATAPLANE)) {
      LOG.debug(
          "Ignoring event of a type no config reads yet mesh={} type={} offset={}",
          mesh,
          type,
          position.offset());
      return;
    }
    apply(event);
    EventRef cause =
        EventRef.newBuilder()
            .setPartition(position.partition())
            .setOffset(position.offset())
            .setOccurredAt(event.getOccurredAt())
            .build();
    reconcile(mesh, cause, record);
  }

  /** Every problem that makes this event unusable, empty when it is valid. */
  static List<String> problems(String key, ResourceEvent event) {
    List<String> problems = new ArrayList<>();
    if (event == null) {
      problems.add("value: null (the events topic has no tombstones)");
      return problems;
    }
    String mesh = event.getMesh();
    if (mesh.isEmpty() || mesh.contains("/")) {
      problems.add("mesh: must be non-empty and contain no '/': " + mesh);
    }
    if (!mesh.equals(key)) {
      problems.add("key: must be the mesh " + mesh + " but is " + key);
    }
    if (event.getName().isEmpty()) {
      problems.add("name: must be non-empty");
    }
    if (event.getResourceType().equals(MESH) && !event.getName().equals(mesh)) {
      problems.add("name: a Mesh event's name must equal its mesh " + mesh);
    }
    Object payload = event.getPayload();
    if (event.getKind() == EventKind.DELETED) {
      if (payload != null) {
        problems.add("payload: must be null when kind is DELETED");
      }
      return problems;
    }
    switch (event.getResourceType()) {
      case MESH -> {
        if (!(payload instanceof MeshResource m)) {
          problems.add("payload: must be a MeshResource when kind is UPSERTED");
        } else if (!m.getName().equals(event.getName())) {
          problems.add("payload.name: must be " + event.getName() + " but is " + m.getName());
        }
      }
      case DATAPLANE -> {
        if (!(payload instanceof DataplaneResource d)) {
          problems.add("payload: must be a DataplaneResource when kind is UPSERTED");
        } else {
          if (!d.getName().equals(event.getName())) {
            problems.add("payload.name: must be " + event.getName() + " but is " + d.getName());
          }
          if (!d.getMesh().equals(mesh)) {
            problems.add("payload.mesh: must be " + mesh + " but is " + d.getMesh());
          }
        }
      }
      default -> {
        // Types no config reads yet are skipped by the caller, valid or not.
      }
    }
    return problems;
  }

  private void apply(ResourceEvent event) {
    String mesh = event.getMesh();
    String key = resourceKey(mesh, event.getResourceType(), event.getName());
    if (event.getKind() == EventKind.UPSERTED) {
      resources.put(key, event);
      return;
    }
    if (event.getResourceType().equals(MESH)) {
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

  /**
   * The proxies whose config this event may change. Walking skeleton: every proxy of the mesh, as
   * every proxy reaches every service.
   */
  private static List<DataplaneResource> affectedProxies(MeshResources state) {
    return state.dataplanes();
  }

  private void reconcile(String mesh, EventRef cause, Record<String, ResourceEvent> record) {
    Optional<MeshResources> state = loadMesh(mesh);
    Map<String, ProxyConfig> previous = previousConfigs(mesh);
    Set<String> gone = new TreeSet<>(previous.keySet());
    state.ifPresent(s -> s.dataplanes().forEach(dp -> gone.remove(proxyKey(mesh, dp.getName()))));
    int emitted = 0;
    for (DataplaneResource dp : state.map(MeshProjector::affectedProxies).orElse(List.of())) {
      String key = proxyKey(mesh, dp.getName());
      List<GeneratedResource> generated = ProxylessGrpcGenerator.generate(state.get(), dp);
      String version = ConfigVersion.of(generated);
      ProxyConfig before = previous.get(key);
      if (before != null && before.getVersion().equals(version)) {
        LOG.debug("Config unchanged mesh={} proxy={} version={}", mesh, dp.getName(), version);
        continue;
      }
      ProxyConfig config = toAvro(mesh, dp.getName(), version, generated, cause);
      configs.put(key, config);
      context().forward(record.withKey(key).withValue(config).withHeaders(new RecordHeaders()));
      emitted++;
      LOG.info(
          "Config changed mesh={} proxy={} version={} resources={} offset={}",
          mesh,
          dp.getName(),
          version,
          generated.size(),
          cause.getOffset());
    }
    for (String key : gone) {
      configs.delete(key);
      context()
          .forward(
              record.withKey(key).<ProxyConfig>withValue(null).withHeaders(new RecordHeaders()));
      emitted++;
      LOG.info("Config removed mesh={} proxyKey={} offset={}", mesh, key, cause.getOffset());
    }
    if (emitted == 0) {
      LOG.debug("No config changed mesh={} offset={}", mesh, cause.getOffset());
    }
  }

  /** The mesh and its dataplanes, empty while the mesh does not exist. */
  private Optional<MeshResources> loadMesh(String mesh) {
    MeshResource meshResource = null;
    List<DataplaneResource> dataplanes = new ArrayList<>();
    try (KeyValueIterator<String, ResourceEvent> it =
        resources.prefixScan(meshPrefix(mesh), keySerializer)) {
      while (it.hasNext()) {
        Object payload = it.next().value.getPayload();
        if (payload instanceof MeshResource m) {
          meshResource = m;
        } else if (payload instanceof DataplaneResource d) {
          dataplanes.add(d);
        }
      }
    }
    return meshResource == null
        ? Optional.empty()
        : Optional.of(new MeshResources(meshResource, dataplanes));
  }

  /** The configs last emitted for this mesh's proxies, by record key, sorted. */
  private Map<String, ProxyConfig> previousConfigs(String mesh) {
    Map<String, ProxyConfig> out = new TreeMap<>();
    try (KeyValueIterator<String, ProxyConfig> it = configs.prefixScan(mesh + ".", keySerializer)) {
      while (it.hasNext()) {
        KeyValue<String, ProxyConfig> kv = it.next();
        // A mesh "a" prefix also matches mesh "a.b"'s keys: keep only this mesh's.
        if (kv.value.getMesh().equals(mesh)) {
          out.put(kv.key, kv.value);
        }
      }
    }
    return out;
  }

  private static ProxyConfig toAvro(
      String mesh,
      String proxy,
      String version,
      List<GeneratedResource> generated,
      EventRef cause) {
    List<XdsResource> resources = new ArrayList<>(generated.size());
    for (GeneratedResource r : generated) {
      resources.add(
          XdsResource.newBuilder()
              .setTypeUrl(r.typeUrl())
              .setName(r.name())
              .setValue(ByteBuffer.wrap(r.value().toByteArray()))
              .build());
    }
    return ProxyConfig.newBuilder()
        .setMesh(mesh)
        .setProxy(proxy)
        .setVersion(version)
        .setResources(resources)
        .setCauses(List.of(cause))
        .build();
  }

  static String meshPrefix(String mesh) {
    return mesh + "/";
  }

  static String resourceKey(String mesh, String type, String name) {
    return meshPrefix(mesh) + type + "/" + name;
  }

  /** The record key and xDS node id of a proxy. */
  static String proxyKey(String mesh, String dataplane) {
    return mesh + "." + dataplane;
  }
}
