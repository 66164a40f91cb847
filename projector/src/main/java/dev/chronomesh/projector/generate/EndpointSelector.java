package dev.chronomesh.projector.generate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which endpoints an EDS cluster has: the ready inbounds of {@code service} whose tags contain all
 * of {@code tags} (empty = every ready inbound of the service), and how they are grouped: with
 * {@code affinity} (MeshLoadBalancingStrategy's {@code localZone.affinityTags}, resolved against
 * the calling proxy's tags), an endpoint sharing the value of a group's key is in that group's
 * locality and weight (the first such group), any other in its zone's locality with weight 1.
 */
public record EndpointSelector(
    String service, SortedMap<String, String> tags, List<Affinity> affinity) {
  public EndpointSelector {
    Objects.requireNonNull(service, "service");
    tags = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(tags, "tags")));
    affinity = List.copyOf(Objects.requireNonNull(affinity, "affinity"));
  }

  /** Endpoints of {@code service} with {@code tags}, without affinity. */
  public EndpointSelector(String service, SortedMap<String, String> tags) {
    this(service, tags, List.of());
  }

  /**
   * One locality group of Kuma's local-zone affinity: endpoints whose tag {@code key} is {@code
   * value} (the calling proxy's) get locality weight {@code weight}.
   */
  public record Affinity(String key, String value, int weight) {
    public Affinity {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    /** The locality's sub-zone, as Kuma names it: {@code key=value}. */
    public String subZone() {
      return key + "=" + value;
    }
  }

  /** All endpoints of {@code service}. */
  public static EndpointSelector of(String service) {
    return new EndpointSelector(service, new TreeMap<>());
  }

  /** The same endpoints grouped by {@code affinity}. */
  public EndpointSelector withAffinity(List<Affinity> affinity) {
    return new EndpointSelector(service, tags, affinity);
  }

  /**
   * The name of the EDS cluster holding these endpoints: the service name for a plain service (as
   * Kuma), else {@code <service>_<h>} where {@code h} is the first 8 hex digits of the SHA-256 of
   * the UTF-8 text {@code k1=v1,k2=v2,...} of the tags sorted by key, followed for an affinity by
   * {@code ;affinity:k1=v1@w1,...} in its order. Deterministic, so every proxy using the same
   * subset (and the same affinity) shares one cluster and one endpoint set.
   */
  public String clusterName() {
    if (tags.isEmpty() && affinity.isEmpty()) {
      return service;
    }
    String text =
        tags.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
    if (!affinity.isEmpty()) {
      text +=
          ";affinity:"
              + affinity.stream()
                  .map(a -> a.subZone() + "@" + a.weight())
                  .collect(Collectors.joining(","));
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return service + "_" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
