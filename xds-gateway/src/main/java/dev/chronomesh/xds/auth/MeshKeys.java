package dev.chronomesh.xds.auth;

import dev.chronomesh.auth.SigningKeys;
import dev.chronomesh.auth.VerifyingKey;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.events.avro.TokenRevocationResource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What the gateway needs from the events topic to check dataplane tokens and answer kuma-dp's
 * bootstrap requests, per mesh: the public dataplane-token signing key, the revoked dataplane token
 * ids, each dataplane (for its tags, address and admin port), and which meshes exist. Written by
 * one thread (the {@link MeshKeysFeed}), read by any; every other event is ignored.
 */
public final class MeshKeys {
  /** The name of a mesh's dataplane-token signing key, as the command-api creates it. */
  static final String DATAPLANE_KEY_NAME = "dataplane-token-signing-key";

  static final String SIGNING_KEY_TYPE = "SigningKey";
  static final String REVOCATION_TYPE = "TokenRevocation";
  static final String DATAPLANE_TYPE = "Dataplane";
  static final String MESH_TYPE = "Mesh";

  private final ConcurrentMap<String, VerifyingKey> keys = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Set<String>> revoked = new ConcurrentHashMap<>();

  /** Node id {@code <mesh>.<name>} → the dataplane and its tags. */
  private final ConcurrentMap<String, Registered> dataplanes = new ConcurrentHashMap<>();

  /** The meshes that exist. */
  private final Set<String> meshes = ConcurrentHashMap.newKeySet();

  /**
   * A dataplane as the events topic last described it, its tags (see {@link #tagsOf}), its last
   * write (the revision and who made it) and who created it.
   */
  public record Registered(
      DataplaneResource resource,
      Map<String, Set<String>> tags,
      long revision,
      String actor,
      String createdBy) {}

  /** The public key dataplane tokens of {@code mesh} verify with, if the mesh has one. */
  public Optional<VerifyingKey> key(String mesh) {
    return Optional.ofNullable(keys.get(mesh));
  }

  /** Whether dataplane token {@code tokenId} of {@code mesh} has been revoked. */
  public boolean isRevoked(String mesh, String tokenId) {
    Set<String> ids = revoked.get(mesh);
    return ids != null && ids.contains(tokenId);
  }

  /**
   * The tags of dataplane {@code name} of {@code mesh} (key → every value across its inbounds and
   * gateway), or null when the dataplane is unknown.
   */
  public Map<String, Set<String>> dataplaneTags(String mesh, String name) {
    Registered known = dataplanes.get(Keys.proxy(mesh, name));
    return known == null ? null : known.tags();
  }

  /** Dataplane {@code name} of {@code mesh} with its revision and last writer, if it exists. */
  public Optional<Registered> registered(String mesh, String name) {
    return Optional.ofNullable(dataplanes.get(Keys.proxy(mesh, name)));
  }

  /** The node ids ({@code <mesh>.<name>}) of every dataplane that exists. */
  public Set<String> dataplaneNodes() {
    return Set.copyOf(dataplanes.keySet());
  }

  /** Whether mesh {@code mesh} exists. */
  public boolean meshExists(String mesh) {
    return meshes.contains(mesh);
  }

  /** Sizes, for logs: meshes with a key, revoked ids, dataplanes. */
  String summary() {
    int revokedIds = revoked.values().stream().mapToInt(Set::size).sum();
    return "keys=" + keys.size() + " revoked=" + revokedIds + " dataplanes=" + dataplanes.size();
  }

  /**
   * Applies one event. Events of other types, of other signing keys and of user-token revocations
   * change nothing.
   *
   * @return a short description of the change, or null when the event is not relevant
   * @throws IllegalArgumentException naming every problem of an event that is relevant but invalid
   *     (the state is then unchanged)
   */
  String apply(ResourceEvent event) {
    String type = event.getResourceType();
    if (!type.equals(SIGNING_KEY_TYPE)
        && !type.equals(REVOCATION_TYPE)
        && !type.equals(DATAPLANE_TYPE)
        && !type.equals(MESH_TYPE)) {
      return null;
    }
    String mesh = event.getMesh();
    String name = event.getName();
    List<String> problems = new ArrayList<>();
    if (mesh == null || mesh.isBlank()) {
      problems.add("mesh: must not be blank");
    }
    if (name == null || name.isBlank()) {
      problems.add("name: must not be blank");
    }
    boolean deleted = event.getKind() == EventKind.DELETED;
    Object payload = event.getPayload();
    if (deleted != (payload == null)) {
      problems.add("payload: must be null exactly when kind is DELETED");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    if (type.equals(MESH_TYPE)) {
      boolean changed = deleted ? meshes.remove(name) : meshes.add(name);
      return changed ? (deleted ? "mesh removed " : "mesh ") + name : null;
    }
    return switch (type) {
      case SIGNING_KEY_TYPE -> applyKey(mesh, name, (SigningKeyResource) cast(payload, type));
      case REVOCATION_TYPE -> applyRevocation(mesh, name, cast(payload, type));
      default -> applyDataplane(event, cast(payload, type));
    };
  }

  private static Object cast(Object payload, String type) {
    Class<?> expected =
        switch (type) {
          case SIGNING_KEY_TYPE -> SigningKeyResource.class;
          case REVOCATION_TYPE -> TokenRevocationResource.class;
          default -> DataplaneResource.class;
        };
    if (payload != null && !expected.isInstance(payload)) {
      throw new IllegalArgumentException(
          "payload: a " + type + " event must carry a " + expected.getSimpleName());
    }
    return payload;
  }

  private String applyKey(String mesh, String name, SigningKeyResource key) {
    if (!name.equals(DATAPLANE_KEY_NAME)) {
      return null; // the user-token key (mesh _global) and any other key
    }
    if (key == null) {
      return keys.remove(mesh) != null ? "dataplane signing key removed mesh=" + mesh : null;
    }
    if (!key.getMesh().equals(mesh) || !key.getName().equals(name)) {
      throw new IllegalArgumentException("payload: mesh/name differ from the event's");
    }
    // Throws IllegalArgumentException for a non-RS256, unreadable or short key.
    VerifyingKey verifying = SigningKeys.verifyingKey(key);
    keys.put(mesh, verifying);
    return "dataplane signing key mesh=" + mesh + " keyId=" + verifying.keyId();
  }

  private String applyRevocation(String mesh, String tokenId, Object payload) {
    if (payload == null) {
      Set<String> ids = revoked.get(mesh);
      return ids != null && ids.remove(tokenId)
          ? "revocation removed mesh=" + mesh + " tokenId=" + tokenId
          : null;
    }
    TokenRevocationResource revocation = (TokenRevocationResource) payload;
    if (!"dataplane".equals(revocation.getTokenType())) {
      return null; // user tokens are the command-api's business
    }
    if (!revocation.getMesh().equals(mesh) || !revocation.getName().equals(tokenId)) {
      throw new IllegalArgumentException("payload: mesh/name differ from the event's");
    }
    revoked.computeIfAbsent(mesh, m -> ConcurrentHashMap.newKeySet()).add(tokenId);
    return "dataplane token revoked mesh=" + mesh + " tokenId=" + tokenId;
  }

  private String applyDataplane(ResourceEvent event, Object payload) {
    String mesh = event.getMesh();
    String name = event.getName();
    String nodeId = Keys.proxy(mesh, name);
    if (payload == null) {
      return dataplanes.remove(nodeId) != null ? "dataplane removed node=" + nodeId : null;
    }
    DataplaneResource dataplane = (DataplaneResource) payload;
    if (!dataplane.getMesh().equals(mesh) || !dataplane.getName().equals(name)) {
      throw new IllegalArgumentException("payload: mesh/name differ from the event's");
    }
    // Who created it: the actor of the write that made it exist, kept by later writes.
    dataplanes.compute(
        nodeId,
        (k, before) ->
            new Registered(
                dataplane,
                tagsOf(dataplane),
                event.getRevision(),
                event.getActor(),
                before == null ? event.getActor() : before.createdBy()));
    return null; // too frequent to log
  }

  /** Key → every value across the dataplane's inbounds and its gateway, as Kuma's TagSet. */
  public static Map<String, Set<String>> tagsOf(DataplaneResource dataplane) {
    Map<String, Set<String>> tags = new TreeMap<>();
    for (Inbound inbound : dataplane.getInbound()) {
      inbound.getTags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    if (dataplane.getGateway() != null) {
      dataplane
          .getGateway()
          .getTags()
          .forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    Map<String, Set<String>> frozen = new TreeMap<>();
    tags.forEach((k, v) -> frozen.put(k, Collections.unmodifiableSet(v)));
    return Collections.unmodifiableMap(frozen);
  }
}
