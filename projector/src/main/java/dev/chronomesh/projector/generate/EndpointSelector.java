package dev.chronomesh.projector.generate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which endpoints an EDS cluster has: the ready inbounds of {@code service} whose tags contain all
 * of {@code tags} (empty = every ready inbound of the service).
 */
public record EndpointSelector(String service, SortedMap<String, String> tags) {
  public EndpointSelector {
    Objects.requireNonNull(service, "service");
    tags = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(tags, "tags")));
  }

  /** All endpoints of {@code service}. */
  public static EndpointSelector of(String service) {
    return new EndpointSelector(service, new TreeMap<>());
  }

  /**
   * The name of the EDS cluster holding these endpoints: the service name for a plain service (as
   * Kuma), else {@code <service>_<h>} where {@code h} is the first 8 hex digits of the SHA-256 of
   * the UTF-8 text {@code k1=v1,k2=v2,...} of the tags sorted by key. Deterministic, so every proxy
   * using the same subset shares one cluster and one endpoint set.
   */
  public String clusterName() {
    if (tags.isEmpty()) {
      return service;
    }
    String text =
        tags.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return service + "_" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
