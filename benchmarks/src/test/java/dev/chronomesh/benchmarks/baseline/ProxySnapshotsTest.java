package dev.chronomesh.benchmarks.baseline;

import static dev.chronomesh.benchmarks.baseline.TestEvents.dataplane;
import static dev.chronomesh.benchmarks.baseline.TestEvents.deleted;
import static dev.chronomesh.benchmarks.baseline.TestEvents.mesh;
import static dev.chronomesh.benchmarks.baseline.TestEvents.meshTimeout;
import static dev.chronomesh.benchmarks.baseline.TestEvents.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.xds.NodeCache;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxySnapshotsTest {
  private final MeshStates states = new MeshStates();
  private final NodeCache cache = new NodeCache();
  private final ProxySnapshots snapshots = new ProxySnapshots(cache);

  private ProxySnapshots.Pass regenerate() {
    return snapshots.regenerate("m", states.resources("m"));
  }

  private String version(String node, Resources.ResourceType type) {
    return cache.getSnapshot(node).version(type, List.of());
  }

  @Test
  void regeneratesEveryProxyAndBumpsOnlyTheTypesWhoseContentChanged() {
    states.apply(upserted(mesh("m")));
    states.apply(upserted(dataplane("m", "backend-1", "10.0.0.1", "backend", Map.of())));
    states.apply(upserted(dataplane("m", "web-1", "10.0.0.3", "web", Map.of("backend", 10001))));

    ProxySnapshots.Pass first = regenerate();
    assertThat(first.proxies()).isEqualTo(2);
    assertThat(first.changed()).isEqualTo(2);
    Snapshot web = cache.getSnapshot("m.web-1");
    assertThat(web.clusters().resources()).containsKey("backend");
    assertThat(web.endpoints().resources()).containsKey("backend");
    assertThat(web.endpoints().resources().get("backend").getEndpoints(0).getLbEndpointsCount())
        .isEqualTo(1);
    String cds = version("m.web-1", Resources.ResourceType.CLUSTER);
    String eds = version("m.web-1", Resources.ResourceType.ENDPOINT);
    String lds = version("m.web-1", Resources.ResourceType.LISTENER);

    // The same state again: every proxy regenerated, no snapshot changed.
    ProxySnapshots.Pass same = regenerate();
    assertThat(same.proxies()).isEqualTo(2);
    assertThat(same.changed()).isZero();
    assertThat(cache.getSnapshot("m.web-1")).isSameAs(web);

    // A second backend instance: web-1's endpoints change, its clusters and listeners do not.
    states.apply(upserted(dataplane("m", "backend-2", "10.0.0.2", "backend", Map.of())));
    ProxySnapshots.Pass added = regenerate();
    assertThat(added.proxies()).isEqualTo(3);
    assertThat(version("m.web-1", Resources.ResourceType.CLUSTER)).isEqualTo(cds);
    assertThat(version("m.web-1", Resources.ResourceType.LISTENER)).isEqualTo(lds);
    assertThat(version("m.web-1", Resources.ResourceType.ENDPOINT)).isNotEqualTo(eds);

    // A MeshTimeout to backend: web-1's clusters change.
    states.apply(upserted(meshTimeout("m", "t", "backend", "7s")));
    regenerate();
    assertThat(version("m.web-1", Resources.ResourceType.CLUSTER)).isNotEqualTo(cds);
    Cluster backend = cache.getSnapshot("m.web-1").clusters().resources().get("backend");
    assertThat(backend.getConnectTimeout().getSeconds()).isEqualTo(7);
  }

  @Test
  void clearsTheSnapshotsOfRemovedProxiesAndOfADeletedMesh() {
    states.apply(upserted(mesh("m")));
    states.apply(upserted(dataplane("m", "a", "10.0.0.1", "a", Map.of())));
    states.apply(upserted(dataplane("m", "b", "10.0.0.2", "b", Map.of())));
    regenerate();

    states.apply(deleted("m", "Dataplane", "a"));
    ProxySnapshots.Pass pass = regenerate();
    assertThat(pass.cleared()).isEqualTo(1);
    assertThat(cache.getSnapshot("m.a")).isNull();
    assertThat(snapshots.nodeIds("m")).containsExactly("m.b");

    states.apply(deleted("m", "Mesh", "m"));
    regenerate();
    assertThat(cache.getSnapshot("m.b")).isNull();
    assertThat(snapshots.proxies()).isZero();
  }
}
