package dev.chronomesh.benchmarks.baseline;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.MeshTimeoutConf;
import dev.chronomesh.events.avro.MeshTimeoutItem;
import dev.chronomesh.events.avro.MeshTimeoutResource;
import dev.chronomesh.events.avro.MeshTimeoutSpec;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.PolicyTargetRef;
import dev.chronomesh.events.avro.ResourceEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Avro resources and events for the baseline's tests. */
final class TestEvents {
  private static final AtomicLong IDS = new AtomicLong();

  private TestEvents() {}

  static MeshResource mesh(String name) {
    return MeshResource.newBuilder().setName(name).build();
  }

  /** A dataplane serving {@code service} on 8080 and calling each of {@code outbounds}. */
  static DataplaneResource dataplane(
      String mesh, String name, String address, String service, Map<String, Integer> outbounds) {
    return DataplaneResource.newBuilder()
        .setMesh(mesh)
        .setName(name)
        .setAddress(address)
        .setInbound(
            List.of(
                Inbound.newBuilder()
                    .setPort(8080)
                    .setTags(Map.of("kuma.io/service", service))
                    .build()))
        .setOutbound(
            outbounds.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(
                    e ->
                        Outbound.newBuilder()
                            .setPort(e.getValue())
                            .setTags(Map.of("kuma.io/service", e.getKey()))
                            .build())
                .toList())
        .build();
  }

  /** A MeshTimeout for every proxy of the mesh: {@code connectionTimeout} to {@code service}. */
  static MeshTimeoutResource meshTimeout(
      String mesh, String name, String service, String connectionTimeout) {
    return MeshTimeoutResource.newBuilder()
        .setMesh(mesh)
        .setName(name)
        .setSpec(
            MeshTimeoutSpec.newBuilder()
                .setTargetRef(PolicyTargetRef.newBuilder().setKind("Mesh").build())
                .setTo(
                    List.of(
                        MeshTimeoutItem.newBuilder()
                            .setTargetRef(
                                PolicyTargetRef.newBuilder()
                                    .setKind("MeshService")
                                    .setName(service)
                                    .build())
                            .setDefault$(
                                MeshTimeoutConf.newBuilder()
                                    .setConnectionTimeout(connectionTimeout)
                                    .build())
                            .build()))
                .build())
        .build();
  }

  static ResourceEvent upserted(Object payload) {
    if (payload instanceof MeshTimeoutResource t) {
      return event(t.getMesh(), "MeshTimeout", t.getName(), EventKind.UPSERTED, t);
    }
    if (payload instanceof MeshResource m) {
      return event(m.getName(), "Mesh", m.getName(), EventKind.UPSERTED, m);
    }
    if (payload instanceof DataplaneResource d) {
      return event(d.getMesh(), "Dataplane", d.getName(), EventKind.UPSERTED, d);
    }
    throw new IllegalArgumentException("unknown payload " + payload);
  }

  static ResourceEvent deleted(String mesh, String type, String name) {
    return event(mesh, type, name, EventKind.DELETED, null);
  }

  private static ResourceEvent event(
      String mesh, String type, String name, EventKind kind, Object payload) {
    long id = IDS.incrementAndGet();
    return ResourceEvent.newBuilder()
        .setEventId("e-" + id)
        .setMesh(mesh)
        .setResourceType(type)
        .setName(name)
        .setRevision(1)
        .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L + id))
        .setActor("test")
        .setRequestId("r-" + id)
        .setKind(kind)
        .setPayload(payload)
        .build();
  }
}
