package dev.chronomesh.xds.auth;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.auth.SigningKey;
import dev.chronomesh.auth.SigningKeys;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.events.avro.TokenRevocationResource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Events as the command-api's decider writes them, for the token checks' tests. */
public final class TestEvents {
  public static final String DATAPLANE_KEY = MeshKeys.DATAPLANE_KEY_NAME;

  private TestEvents() {}

  public static EnvelopeSealer sealer() {
    return new EnvelopeSealer(EnvelopeSealer.newKek());
  }

  /** A fresh dataplane-token key pair of {@code mesh}, with its resource. */
  public record MeshKey(SigningKeyResource resource, SigningKey key) {
    public static MeshKey generate(String mesh, EnvelopeSealer sealer) {
      SigningKeyResource resource = SigningKeys.generate(mesh, DATAPLANE_KEY, sealer);
      return new MeshKey(resource, SigningKeys.signingKey(resource, sealer));
    }
  }

  public static ResourceEvent upserted(String type, String mesh, String name, Object payload) {
    return event(type, mesh, name, EventKind.UPSERTED, payload);
  }

  public static ResourceEvent deleted(String type, String mesh, String name) {
    return event(type, mesh, name, EventKind.DELETED, null);
  }

  private static ResourceEvent event(
      String type, String mesh, String name, EventKind kind, Object payload) {
    return ResourceEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setMesh(mesh)
        .setResourceType(type)
        .setName(name)
        .setRevision(1)
        .setOccurredAt(Instant.now())
        .setActor("test")
        .setRequestId(UUID.randomUUID().toString())
        .setKind(kind)
        .setPayload(payload)
        .build();
  }

  public static ResourceEvent key(MeshKey key) {
    return upserted(
        "SigningKey", key.resource().getMesh(), key.resource().getName(), key.resource());
  }

  public static ResourceEvent revocation(String mesh, String tokenId, String tokenType) {
    return upserted(
        "TokenRevocation",
        mesh,
        tokenId,
        TokenRevocationResource.newBuilder()
            .setName(tokenId)
            .setMesh(mesh)
            .setTokenType(tokenType)
            .build());
  }

  /** A dataplane with one inbound per tag map. */
  @SafeVarargs
  public static ResourceEvent dataplane(String mesh, String name, Map<String, String>... inbounds) {
    List<Inbound> list =
        java.util.stream.IntStream.range(0, inbounds.length)
            .mapToObj(i -> Inbound.newBuilder().setPort(8080 + i).setTags(inbounds[i]).build())
            .toList();
    return upserted(
        "Dataplane",
        mesh,
        name,
        DataplaneResource.newBuilder()
            .setName(name)
            .setMesh(mesh)
            .setAddress("127.0.0.1")
            .setInbound(list)
            .build());
  }
}
