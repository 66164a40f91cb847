package dev.chronomesh.projector.generate;

import com.google.protobuf.ByteString;
import java.util.Comparator;
import java.util.Objects;

/**
 * One generated xDS resource: the type URL of the bare message, its name, and the message's
 * deterministic protobuf serialization (not wrapped in {@code Any}).
 */
public record GeneratedResource(String typeUrl, String name, ByteString value)
    implements Comparable<GeneratedResource> {

  /** The order of resources in a proxy config: type URL, then name. */
  public static final Comparator<GeneratedResource> ORDER =
      Comparator.comparing(GeneratedResource::typeUrl).thenComparing(GeneratedResource::name);

  public GeneratedResource {
    Objects.requireNonNull(typeUrl, "typeUrl");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }

  @Override
  public int compareTo(GeneratedResource other) {
    return ORDER.compare(this, other);
  }
}
