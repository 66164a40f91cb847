package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.events.avro.TokenRevocationResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * Resource types that live in the log but have no REST path of their own: token signing keys and
 * token revocations. Their mesh is a mesh name or {@code _global} (user tokens); they never need
 * their mesh to exist and never keep a mesh from being deleted.
 */
public final class InternalTypes {
  /** The key of commands and events of resources outside any mesh. */
  public static final String GLOBAL_MESH = "_global";

  public static final ResourceType SIGNING_KEY =
      new ResourceType(
          "SigningKey",
          "signing-keys",
          Scope.MESH,
          "Signing Key",
          "Signing Keys",
          List.of("signing-key"),
          new Mapper<>(
              SigningKeyResource.class, SigningKeyResource::getName, SigningKeyResource::getMesh));
  public static final ResourceType TOKEN_REVOCATION =
      new ResourceType(
          "TokenRevocation",
          "token-revocations",
          Scope.MESH,
          "Token Revocation",
          "Token Revocations",
          List.of("token-revocation"),
          new Mapper<>(
              TokenRevocationResource.class,
              TokenRevocationResource::getName,
              TokenRevocationResource::getMesh));

  private static final List<ResourceType> ALL = List.of(SIGNING_KEY, TOKEN_REVOCATION);

  private InternalTypes() {}

  public static boolean isInternal(ResourceType type) {
    return ALL.contains(type);
  }

  /** A REST type ({@link ResourceType#byName}) or an internal one, by its type name. */
  public static Optional<ResourceType> anyByName(String name) {
    Optional<ResourceType> rest = ResourceType.byName(name);
    if (rest.isPresent()) {
      return rest;
    }
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** Internal records are built by the API, never parsed from documents. */
  private record Mapper<T extends SpecificRecord>(
      Class<T> recordClass, Function<T, String> nameOf, Function<T, String> meshOf)
      implements ResourceMapper<T> {
    @Override
    public Set<String> specFields() {
      return Set.of();
    }

    @Override
    public Set<String> unsupportedKumaFields() {
      return Set.of();
    }

    @Override
    public T read(
        JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
      violations.add("type", "this type cannot be written as a document");
      return null;
    }

    @Override
    public void write(T resource, ObjectNode document, Sealer opener) {
      // Nothing beyond the common fields is shown: keys and revocations are not documents.
    }

    @Override
    public String name(T resource) {
      return nameOf.apply(resource);
    }

    @Override
    public String mesh(T resource) {
      return meshOf.apply(resource);
    }

    @Override
    public Map<String, String> labels(T resource) {
      return Map.of();
    }
  }
}
