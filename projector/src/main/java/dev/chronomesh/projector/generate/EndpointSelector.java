package dev.chronomesh.projector.generate;

import dev.chronomesh.meshmodel.Kri;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
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
 * of {@code tags} (empty = every ready inbound of the service); or, for a port of a MeshService
 * resource ({@code port} set), the ready inbounds its port reaches on the dataplanes it selects.
 * And how they are grouped: with {@code affinity} (MeshLoadBalancingStrategy's {@code
 * localZone.affinityTags}, resolved against the calling proxy's tags), an endpoint sharing the
 * value of a group's key is in that group's locality and weight (the first such group), any other
 * in its zone's locality with weight 1.
 *
 * @param service the {@code kuma.io/service}; for a MeshService port, {@link #meshServiceKey} of
 *     its name (a text no tag value can be), so that indexes by service keep them apart
 * @param port the MeshService port, or null
 */
public record EndpointSelector(
    String service,
    SortedMap<String, String> tags,
    List<EndpointSelector.Affinity> affinity,
    EndpointSelector.MeshServicePort port) {

  /**
   * A port of a MeshService resource.
   *
   * @param section the port's name, or its number when unnamed (Kuma's {@code Port.GetName})
   */
  public record MeshServicePort(String mesh, String name, int port, String section) {
    public MeshServicePort {
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(section, "section");
    }

    /**
     * Kuma's resource identifier of the port ({@code pkg/core/kri}): {@code
     * kri_msvc_<mesh>_<zone>_<namespace>_<name>_<section>}, with no zone and no namespace here.
     */
    public String kri() {
      return Kri.of(MeshService.SHORT_NAME, mesh, name, section);
    }
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

  public EndpointSelector {
    Objects.requireNonNull(service, "service");
    tags = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(tags, "tags")));
    affinity = List.copyOf(Objects.requireNonNull(affinity, "affinity"));
  }

  /** Endpoints of {@code service} with {@code tags}, without affinity. */
  public EndpointSelector(String service, SortedMap<String, String> tags) {
    this(service, tags, List.of(), null);
  }

  /** All endpoints of {@code service}. */
  public static EndpointSelector of(String service) {
    return new EndpointSelector(service, new TreeMap<>());
  }

  /** The endpoints of port {@code port} of MeshService {@code ms}. */
  public static EndpointSelector of(MeshService ms, MeshService.Port port) {
    return new EndpointSelector(
        meshServiceKey(ms.name()),
        new TreeMap<>(),
        List.of(),
        new MeshServicePort(ms.mesh(), ms.name(), port.port(), port.sectionName()));
  }

  /** The same endpoints grouped by {@code affinity}. */
  public EndpointSelector withAffinity(List<Affinity> affinity) {
    return new EndpointSelector(service, tags, affinity, port);
  }

  /**
   * The key under which indexes by service (a proxy's dependencies, the clusters whose endpoints an
   * event may change) hold the MeshService {@code name}: {@code MeshService/<name>}, which no
   * {@code kuma.io/service} value can be ('/' is not allowed in tag values).
   */
  public static String meshServiceKey(String name) {
    return MeshService.TYPE + "/" + name;
  }

  /**
   * The key of the merged {@code to} confs that apply here ({@link PolicyEngine#toRules}): the
   * service for a {@code kuma.io/service} destination, {@code name:section} for a MeshService port.
   */
  public String policyKey() {
    return port == null ? service : PolicyEngine.sectionKey(port.name(), port.section());
  }

  /**
   * The name of the EDS cluster holding these endpoints: the service name for a plain service (as
   * Kuma), a MeshService port's as Kuma names it ({@code <mesh>_<name>___msvc_<port>}); with tags
   * or an affinity, that name followed by {@code _<h>} where {@code h} is the first 8 hex digits of
   * the SHA-256 of the UTF-8 text {@code k1=v1,k2=v2,...} of the tags sorted by key, followed for
   * an affinity by {@code ;affinity:k1=v1@w1,...} in its order. Deterministic, so every proxy using
   * the same subset (and the same affinity) shares one cluster and one endpoint set.
   */
  public String clusterName() {
    String base =
        port == null ? service : MeshService.clusterName(port.mesh(), port.name(), port.port());
    if (tags.isEmpty() && affinity.isEmpty()) {
      return base;
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
      return base + "_" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
