package dev.chronomesh.projector.generate;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.InboundHealth;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.ResourceEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders of Avro resources and events for tests. */
public final class Fixtures {
  public static final Instant OCCURRED_AT = Instant.ofEpochMilli(1_700_000_000_000L);

  private Fixtures() {}

  public static MeshResource mesh(String name) {
    return MeshResource.newBuilder().setName(name).build();
  }

  /** An inbound of {@code service} on {@code port}, tags in the given order after the service. */
  public static Inbound inbound(String service, int port, String... moreTags) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("kuma.io/service", service);
    for (int i = 0; i < moreTags.length; i += 2) {
      tags.put(moreTags[i], moreTags[i + 1]);
    }
    return Inbound.newBuilder().setPort(port).setTags(tags).build();
  }

  public static Inbound withState(Inbound inbound, String state) {
    return Inbound.newBuilder(inbound).setState(state).build();
  }

  public static Inbound withHealth(Inbound inbound, boolean ready) {
    return Inbound.newBuilder(inbound)
        .setHealth(InboundHealth.newBuilder().setReady(ready).build())
        .build();
  }

  public static Inbound withAddress(Inbound inbound, String address) {
    return Inbound.newBuilder(inbound).setAddress(address).build();
  }

  public static DataplaneResource dataplane(
      String mesh, String name, String address, Inbound... inbounds) {
    return DataplaneResource.newBuilder()
        .setMesh(mesh)
        .setName(name)
        .setAddress(address)
        .setInbound(List.of(inbounds))
        .build();
  }

  /** {@code dp} with one outbound to {@code service} on {@code port}. */
  public static DataplaneResource withOutbound(DataplaneResource dp, String service, int port) {
    return DataplaneResource.newBuilder(dp)
        .setOutbound(
            List.of(
                dev.chronomesh.events.avro.Outbound.newBuilder()
                    .setPort(port)
                    .setTags(Map.of("kuma.io/service", service))
                    .build()))
        .build();
  }

  public static ResourceEvent upserted(long revision, Object payload) {
    String mesh;
    String type;
    String name;
    if (payload instanceof MeshResource m) {
      mesh = m.getName();
      type = "Mesh";
      name = m.getName();
    } else if (payload instanceof DataplaneResource d) {
      mesh = d.getMesh();
      type = "Dataplane";
      name = d.getName();
    } else if (payload instanceof dev.chronomesh.events.avro.PolicyResource r) {
      mesh = r.getMesh();
      type = r.getType();
      name = r.getName();
    } else {
      throw new IllegalArgumentException("unknown payload " + payload);
    }
    return event(mesh, type, name, revision, EventKind.UPSERTED, payload);
  }

  public static ResourceEvent deleted(String mesh, String type, String name, long revision) {
    return event(mesh, type, name, revision, EventKind.DELETED, null);
  }

  private static ResourceEvent event(
      String mesh, String type, String name, long revision, EventKind kind, Object payload) {
    return ResourceEvent.newBuilder()
        .setEventId(mesh + "/" + type + "/" + name + "@" + revision)
        .setMesh(mesh)
        .setResourceType(type)
        .setName(name)
        .setRevision(revision)
        .setOccurredAt(OCCURRED_AT.plusSeconds(revision))
        .setActor("test")
        .setRequestId("r-" + revision)
        .setKind(kind)
        .setPayload(payload)
        .build();
  }
}
