package dev.chronomesh.benchmarks.baseline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import dev.chronomesh.meshmodel.policy.PolicyResources;
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
  static PolicyResource meshTimeout(
      String mesh, String name, String service, String connectionTimeout) {
    ObjectNode document = JsonNodeFactory.instance.objectNode();
    ObjectNode item = document.putObject("spec").putArray("to").addObject();
    item.putObject("targetRef").put("kind", "MeshService").put("name", service);
    item.putObject("default").put("connectionTimeout", connectionTimeout);
    Violations violations = new Violations();
    PolicyResource resource =
        PolicyResources.read(MeshTimeout.TYPE, document, name, mesh, Map.of(), violations);
    if (resource == null) {
      throw new IllegalArgumentException("invalid MeshTimeout: " + violations.list());
    }
    return resource;
  }

  static ResourceEvent upserted(Object payload) {
    if (payload instanceof PolicyResource p) {
      return event(p.getMesh(), p.getType(), p.getName(), EventKind.UPSERTED, p);
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
