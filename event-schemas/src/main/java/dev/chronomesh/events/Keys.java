package dev.chronomesh.events;

import dev.chronomesh.events.avro.ProxyStatusEvent;
import java.util.Objects;
import java.util.Optional;

/**
 * Every key format Chronomesh writes and reads, built and parsed in this one place. A mesh name
 * contains neither '.' nor '/' (the admin API refuses them), so the first separator always ends the
 * mesh:
 *
 * <ul>
 *   <li>{@code <mesh>.<dataplane>}: a proxy's xDS node id, and its key in the {@code proxy-configs}
 *       and {@code proxy-status} topics;
 *   <li>{@code <mesh>.<dataplane>/<fact>}: a proxy-status record, one per proxy and fact ({@code
 *       stream}, {@code ack/<typeUrl>}, {@code nack}, {@code refused}), so that compaction keeps
 *       the last of each;
 *   <li>{@code <mesh>/<cluster>}: an endpoint set's key in the {@code endpoints} topic;
 *   <li>{@code <mesh>/<name>}: a mesh-scoped name in the projector's stores ({@code
 *       <mesh>/<dataplane>} for its per-proxy stores);
 *   <li>{@code <mesh>/<type>/<name>}: a resource in a mesh ({@code mesh-resources} store, the
 *       decider's state);
 *   <li>{@code <type>/<name>}: a resource within one mesh's in-memory image.
 * </ul>
 */
public final class Keys {
  private Keys() {}

  /** A key split into its mesh and the rest. */
  public record MeshAnd(String mesh, String rest) {
    public MeshAnd {
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(rest, "rest");
    }
  }

  /** {@code <mesh>.<dataplane>}: a proxy's node id and record key. */
  public static String proxy(String mesh, String dataplane) {
    return mesh + "." + dataplane;
  }

  /** The mesh and dataplane of a {@link #proxy} key; empty when it has no '.'. */
  public static Optional<MeshAnd> parseProxy(String key) {
    return split(key, '.');
  }

  /**
   * {@code <proxy>/<fact>}: the proxy-status key of {@code event} of the proxy {@code proxyKey}.
   */
  public static String proxyStatus(String proxyKey, ProxyStatusEvent event) {
    return proxyKey
        + switch (event.getKind()) {
          case ProxyStatusKinds.ACK -> "/ack/" + event.getTypeUrl();
          case ProxyStatusKinds.NACK -> "/nack";
          case ProxyStatusKinds.REFUSED -> "/refused";
          default -> STREAM_FACT;
        };
  }

  /** The fact of a proxy's stream opening and closing (CONNECTED, DISCONNECTED). */
  private static final String STREAM_FACT = "/stream";

  /**
   * Whether the proxy-status key {@code key} is a stream's fact (CONNECTED or DISCONNECTED), not an
   * ACK, NACK or refusal: readers of connections skip the rest without decoding it.
   */
  public static boolean isStreamFact(String key) {
    return key != null && key.endsWith(STREAM_FACT);
  }

  /** {@code <mesh>/<cluster>}: an endpoint set's key. */
  public static String cluster(String mesh, String cluster) {
    return meshScoped(mesh, cluster);
  }

  /** {@code <mesh>/<name>}: a mesh-scoped name in a store. */
  public static String meshScoped(String mesh, String name) {
    return meshPrefix(mesh) + name;
  }

  /** The mesh and the rest of a {@code <mesh>/...} key; empty when it has no '/'. */
  public static Optional<MeshAnd> parseMeshScoped(String key) {
    return split(key, '/');
  }

  /** {@code <mesh>/}: the prefix of every key of a mesh, for range scans. */
  public static String meshPrefix(String mesh) {
    return mesh + "/";
  }

  /** {@code <mesh>/<type>/<name>}: a resource in a mesh. */
  public static String resource(String mesh, String type, String name) {
    return meshPrefix(mesh) + typed(type, name);
  }

  /** {@code <type>/<name>}: a resource within one mesh. */
  public static String typed(String type, String name) {
    return type + "/" + name;
  }

  /** The type and name of a {@link #typed} key; empty when it has no '/'. */
  public static Optional<Typed> parseTyped(String key) {
    return split(key, '/').map(s -> new Typed(s.mesh(), s.rest()));
  }

  /** A {@link #typed} key's parts. */
  public record Typed(String type, String name) {}

  private static Optional<MeshAnd> split(String key, char separator) {
    int at = key == null ? -1 : key.indexOf(separator);
    if (at <= 0 || at == key.length() - 1) {
      return Optional.empty();
    }
    return Optional.of(new MeshAnd(key.substring(0, at), key.substring(at + 1)));
  }
}
