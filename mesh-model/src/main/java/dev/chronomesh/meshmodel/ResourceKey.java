package dev.chronomesh.meshmodel;

import java.util.Comparator;
import java.util.Objects;

/** A resource's identity inside its mesh: type and name. Sorted by type name, then name. */
public record ResourceKey(ResourceType type, String name) implements Comparable<ResourceKey> {
  private static final Comparator<ResourceKey> ORDER =
      Comparator.comparing((ResourceKey k) -> k.type.name()).thenComparing(ResourceKey::name);

  public ResourceKey {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
  }

  @Override
  public int compareTo(ResourceKey other) {
    return ORDER.compare(this, other);
  }
}
