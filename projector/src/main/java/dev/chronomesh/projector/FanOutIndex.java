package dev.chronomesh.projector;

import dev.chronomesh.projector.generate.EndpointSelector;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * In-memory indices over the {@code proxy-deps} store of one task: which proxies read a service,
 * which proxies use a cluster and which endpoints each cluster selects. Rebuilt from the store when
 * the task starts; every change goes through {@link #put} and {@link #remove} together with the
 * store.
 */
final class FanOutIndex {
  private final Map<String, Mesh> meshes = new HashMap<>();

  /** The indices of one mesh; sorted so that iteration, and so the output, is deterministic. */
  private static final class Mesh {
    final SortedMap<String, ProxyDeps> deps = new TreeMap<>();
    final SortedMap<String, SortedSet<String>> readers = new TreeMap<>();
    final SortedSet<String> allServiceReaders = new TreeSet<>();
    final SortedMap<String, SortedSet<String>> clusterUsers = new TreeMap<>();
    final SortedMap<String, EndpointSelector> selectors = new TreeMap<>();
  }

  private Mesh mesh(String mesh) {
    return meshes.computeIfAbsent(mesh, m -> new Mesh());
  }

  /** The deps recorded for a proxy, {@link ProxyDeps#none()} when it has no config. */
  ProxyDeps deps(String mesh, String proxy) {
    Mesh m = meshes.get(mesh);
    ProxyDeps d = m == null ? null : m.deps.get(proxy);
    return d == null ? ProxyDeps.none() : d;
  }

  /** Whether {@code proxy} has a config (and so an entry here). */
  boolean has(String mesh, String proxy) {
    Mesh m = meshes.get(mesh);
    return m != null && m.deps.containsKey(proxy);
  }

  /** Records what {@code proxy}'s config now reads, replacing what it read before. */
  void put(String mesh, String proxy, ProxyDeps deps) {
    remove(mesh, proxy);
    Mesh m = mesh(mesh);
    m.deps.put(proxy, deps);
    if (deps.allServices()) {
      m.allServiceReaders.add(proxy);
    }
    for (String service : deps.services()) {
      m.readers.computeIfAbsent(service, s -> new TreeSet<>()).add(proxy);
    }
    deps.clusters()
        .forEach(
            (cluster, selector) -> {
              m.clusterUsers.computeIfAbsent(cluster, c -> new TreeSet<>()).add(proxy);
              m.selectors.put(cluster, selector);
            });
  }

  /** Forgets {@code proxy}; clusters nobody uses any more lose their selector. */
  void remove(String mesh, String proxy) {
    Mesh m = meshes.get(mesh);
    if (m == null) {
      return;
    }
    ProxyDeps old = m.deps.remove(proxy);
    if (old == null) {
      return;
    }
    m.allServiceReaders.remove(proxy);
    for (String service : old.services()) {
      removeFrom(m.readers, service, proxy);
    }
    for (String cluster : old.clusters().keySet()) {
      if (removeFrom(m.clusterUsers, cluster, proxy)) {
        m.selectors.remove(cluster);
      }
    }
    if (m.deps.isEmpty()) {
      meshes.remove(mesh);
    }
  }

  /** Removes {@code proxy} from the set at {@code key}; true when that set became empty. */
  private static boolean removeFrom(
      SortedMap<String, SortedSet<String>> index, String key, String proxy) {
    SortedSet<String> set = index.get(key);
    if (set == null) {
      return true;
    }
    set.remove(proxy);
    if (set.isEmpty()) {
      index.remove(key);
      return true;
    }
    return false;
  }

  /** The proxies whose config reads {@code service}, sorted. */
  SortedSet<String> readers(String mesh, String service) {
    SortedSet<String> out = new TreeSet<>();
    Mesh m = meshes.get(mesh);
    if (m != null) {
      out.addAll(m.allServiceReaders);
      out.addAll(m.readers.getOrDefault(service, new TreeSet<>()));
    }
    return out;
  }

  /** The meshes with a proxy that has a config. */
  Set<String> meshes() {
    return Set.copyOf(meshes.keySet());
  }

  /** Every proxy of {@code mesh} that has a config, sorted. */
  SortedSet<String> proxies(String mesh) {
    Mesh m = meshes.get(mesh);
    return m == null ? new TreeSet<>() : new TreeSet<>(m.deps.keySet());
  }

  /** Whether some proxy still uses {@code cluster}. */
  boolean inUse(String mesh, String cluster) {
    Mesh m = meshes.get(mesh);
    return m != null && m.clusterUsers.containsKey(cluster);
  }

  /** The clusters in use whose endpoints come from {@code service}, with their selectors. */
  SortedMap<String, EndpointSelector> clustersOf(String mesh, String service) {
    SortedMap<String, EndpointSelector> out = new TreeMap<>();
    Mesh m = meshes.get(mesh);
    if (m != null) {
      m.selectors.forEach(
          (cluster, selector) -> {
            if (selector.service().equals(service)) {
              out.put(cluster, selector);
            }
          });
    }
    return out;
  }
}
