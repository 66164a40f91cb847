package dev.chronomesh.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * The URIs a mesh's certificates carry, as Kuma's issuer writes them ({@code
 * pkg/core/ca/issuer/issuer.go}): the trust domain {@code spiffe://<mesh>} on the root, and on a
 * workload {@code spiffe://<mesh>/<service>} for each of its {@code kuma.io/service} values, then
 * {@code kuma://<tag>/<value>} for every tag and value of its inbounds. The one place these formats
 * live: the CA writes them, the projector's TLS contexts and RBAC principals match them.
 */
public final class Spiffe {
  private Spiffe() {}

  public static String trustDomain(String mesh) {
    return "spiffe://" + mesh;
  }

  public static String workloadId(String mesh, String service) {
    return trustDomain(mesh) + "/" + service;
  }

  /** The prefix every workload SPIFFE ID of {@code mesh} starts with: {@code spiffe://<mesh>/}. */
  public static String anyWorkload(String mesh) {
    return anyInDomain(mesh);
  }

  /**
   * The prefix every SPIFFE ID of the trust domain {@code domain} starts with ({@code
   * spiffe://<domain>/}): a MeshTrust's peers. A mesh's classic trust domain is its name.
   */
  public static String anyInDomain(String domain) {
    return "spiffe://" + domain + "/";
  }

  /**
   * A MeshIdentity's SPIFFE ID (Kuma 2.14's template {@code spiffe://{{ .TrustDomain }}<path>}):
   * {@code path} is the rendered path template, starting with {@code /}.
   */
  public static String identity(String trustDomain, String path) {
    return "spiffe://" + trustDomain + path;
  }

  /** A workload's URI SANs from its tags (each tag's values, sorted; tags sorted by name). */
  public static List<String> workloadUris(String mesh, Map<String, SortedSet<String>> tags) {
    List<String> uris = new ArrayList<>();
    for (String service :
        tags.getOrDefault(KumaTags.SERVICE, java.util.Collections.emptySortedSet())) {
      uris.add(workloadId(mesh, service));
    }
    tags.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> e.getValue().forEach(v -> uris.add(tagUri(e.getKey(), v))));
    return uris;
  }

  /** Kuma's URI SAN for one tag of a workload: {@code kuma://<tag>/<value>}. */
  public static String tagUri(String tag, String value) {
    return "kuma://" + tag + "/" + value;
  }
}
