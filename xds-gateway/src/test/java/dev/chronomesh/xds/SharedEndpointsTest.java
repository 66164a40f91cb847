package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shared-endpoints index: which active nodes use which endpoint sets, and what is loaded. */
class SharedEndpointsTest {
  private final List<String> loads = new ArrayList<>();
  private final SharedEndpoints index =
      new SharedEndpoints(
          (mesh, cluster) -> {
            loads.add(mesh + "/" + cluster);
            return cluster.equals("absent") ? null : set(cluster, "stored");
          });

  @Test
  void aSetIsLoadedWithItsFirstUserAndDroppedWithItsLast() throws Exception {
    NodeConfig config = SnapshotAssemblerTest.config("backend");

    index.follow("default.web-1", null, config);
    index.follow("default.web-2", null, config);

    assertThat(loads).containsExactly("default/backend");
    assertThat(index.users("default", "backend")).isEqualTo(2);
    assertThat(index.get("default", "backend").version()).isEqualTo("stored");

    index.release("default.web-1", config);
    assertThat(index.users("default", "backend")).isEqualTo(1);
    index.release("default.web-2", config);
    assertThat(index.users("default", "backend")).isZero();
    assertThat(index.get("default", "backend")).isNull();
    assertThat(index.size()).isZero();

    // Used again: loaded again, from the disk cache.
    index.follow("default.web-1", null, config);
    assertThat(loads).containsExactly("default/backend", "default/backend");
  }

  @Test
  void aChangedSetNamesItsUsersAndAnUnusedOneStaysOnDisk() throws Exception {
    index.follow("default.web-1", null, SnapshotAssemblerTest.config("backend"));

    assertThat(index.put("default", "backend", set("backend", "v2")))
        .containsExactly("default.web-1");
    assertThat(index.get("default", "backend").version()).isEqualTo("v2");
    assertThat(index.put("default", "unused", set("unused", "v1"))).isEmpty();
    assertThat(index.get("default", "unused")).isNull();
    // The same cluster name in another mesh is another set.
    assertThat(index.put("other", "backend", set("backend", "v9"))).isEmpty();
    assertThat(index.get("default", "backend").version()).isEqualTo("v2");
  }

  @Test
  void aRemovedSetNamesItsUsersOnlyWhenItWasThere() throws Exception {
    index.follow("default.web-1", null, SnapshotAssemblerTest.config("backend", "absent"));

    assertThat(index.get("default", "absent")).isNull();
    assertThat(index.remove("default", "absent")).isEmpty();
    assertThat(index.remove("default", "backend")).containsExactly("default.web-1");
    assertThat(index.get("default", "backend")).isNull();
    // Still used: a set that comes back reaches the node again.
    assertThat(index.users("default", "backend")).isEqualTo(1);
    assertThat(index.put("default", "backend", set("backend", "v3")))
        .isEqualTo(Set.of("default.web-1"));
  }

  @Test
  void aNewConfigMovesTheNodeToTheSetsItNames() throws Exception {
    NodeConfig before = SnapshotAssemblerTest.config("backend", "payments");
    NodeConfig after = SnapshotAssemblerTest.config("payments", "orders");
    index.follow("default.web-1", null, before);

    index.follow("default.web-1", before, after);

    assertThat(index.users("default", "backend")).isZero();
    assertThat(index.users("default", "payments")).isEqualTo(1);
    assertThat(index.users("default", "orders")).isEqualTo(1);
    assertThat(index.size()).isEqualTo(2);
    // payments stayed in use: loaded once.
    assertThat(loads).containsExactly("default/backend", "default/payments", "default/orders");
  }

  private static FeedRecords.Endpoints set(String cluster, String version) {
    return new FeedRecords.Endpoints(
        ProxylessConfigs.endpoints(10001).toBuilder().setClusterName(cluster).build(),
        version,
        Instant.EPOCH);
  }
}
