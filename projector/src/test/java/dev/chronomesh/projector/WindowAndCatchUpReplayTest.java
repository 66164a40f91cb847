package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static dev.chronomesh.projector.generate.Fixtures.withHealth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One event log, replayed into empty stores twice: window by window (each event a batch of its own,
 * configs regenerated once per coalescing window, as live) and as one catch-up batch (one delta per
 * mesh for the whole log). Both must end with the same configs, endpoint sets, fan-out records and
 * resources, whatever the log holds: fan-out to callers, proxyless clients, service-only and
 * mesh-wide policies, a caller-side policy, protocol changes, an unhealthy endpoint, deletes, and a
 * mesh deleted and re-created without the service one of its proxies calls.
 */
class WindowAndCatchUpReplayTest {
  private static final Duration LAG = Duration.ofSeconds(10);
  private static final Duration APART = Duration.ofSeconds(1);
  private static final Duration CLOSE = Duration.ofMillis(3);

  @TempDir Path windows;
  @TempDir Path batch;

  /** An event and how much event time passes before it. */
  private record Step(Duration after, ResourceEvent event) {}

  @Test
  void oneCatchUpBatchOfTheWholeLogEndsWhereWindowByWindowProjectionEnds() throws Exception {
    Outcome windowByWindow = windowByWindow();
    Outcome caughtUp = catchUp(0);

    assertThat(windowByWindow.stores().keySet())
        .contains("endpoints other/db", "proxy-configs other.client-1", "endpoints default/svc-3");
    assertThat(caughtUp.stores()).isEqualTo(windowByWindow.stores());
    // Every proxy and endpoint set at most once.
    assertThat(caughtUp.records()).doesNotHaveDuplicates();
    assertThat(caughtUp.records().size()).isLessThan(windowByWindow.records().size());
  }

  @Test
  void aCatchUpBatchAfterALiveStartEndsWhereWindowByWindowProjectionEnds() throws Exception {
    // Built live up to the first policy; the policies, changes, deletes and the mesh deleted and
    // re-created (its proxy still calling the service that did not come back) in one batch.
    Outcome windowByWindow = windowByWindow();
    Outcome caughtUp = catchUp(LIVE_STEPS);
    assertThat(caughtUp.stores()).isEqualTo(windowByWindow.stores());
    assertThat(caughtUp.records()).contains("endpoints other/db");
  }

  /** The steps of {@link #history()} before its first policy: the meshes being built. */
  private static final int LIVE_STEPS = 22;

  /** The history projected as live: the wall clock runs while event time passes. */
  private Outcome windowByWindow() throws Exception {
    try (ProjectorHarness p = new ProjectorHarness(windows.resolve("run-" + runs++))) {
      for (Step step : history()) {
        live(p, step);
      }
      p.idle();
      return outcome(p);
    }
  }

  private int runs;

  private static long live(ProjectorHarness p, Step step) {
    if (step.after().compareTo(CLOSE) > 0) {
      // The idle flush closes the window before the next one begins.
      p.idle();
    }
    p.later(step.after());
    return p.pipe(step.event());
  }

  /**
   * The first {@code live} steps projected live, then, an hour later, the rest as one catch-up
   * batch; checks that the batch's records name the first and last event of their mesh in it.
   */
  private Outcome catchUp(int liveSteps) throws Exception {
    List<Step> steps = history();
    try (ProjectorHarness p = new ProjectorHarness(batch.resolve("run-" + runs++), LAG)) {
      for (Step step : steps.subList(0, liveSteps)) {
        live(p, step);
      }
      p.idle();
      p.configs();
      p.endpoints();
      p.wallClockPasses(Duration.ofHours(1));
      Map<String, List<Long>> offsetsByMesh = new TreeMap<>();
      for (Step step : steps.subList(liveSteps, steps.size())) {
        p.later(step.after());
        long offset = p.pipe(step.event());
        offsetsByMesh.computeIfAbsent(step.event().getMesh(), m -> new ArrayList<>()).add(offset);
      }
      assertThat(p.configs()).as("nothing is sent while the batch is open").isEmpty();
      p.idle();
      Outcome outcome = outcome(p);
      assertThat(outcome.causes()).isNotEmpty();
      outcome
          .causes()
          .forEach(
              (record, caused) -> {
                List<Long> offsets = offsetsByMesh.get(caused.mesh());
                assertThat(caused.offsets())
                    .as(record)
                    .containsExactly(offsets.get(0), offsets.get(offsets.size() - 1));
              });
      return outcome;
    }
  }

  /**
   * What a run leaves: its stores as {@code <store> <key>} → content (causes left out: they differ
   * by design), the keys of its records in order, and the causes of each non-null record.
   */
  private record Outcome(
      Map<String, String> stores, List<String> records, Map<String, Caused> causes) {}

  /** The mesh of a record and the offsets of its causes. */
  private record Caused(String mesh, List<Long> offsets) {}

  private static Outcome outcome(ProjectorHarness p) {
    List<KeyValue<String, ProxyConfig>> configs = p.configs();
    List<KeyValue<String, ClusterEndpoints>> endpoints = p.endpoints();
    List<String> records = new ArrayList<>();
    Map<String, Caused> causes = new TreeMap<>();
    configs.forEach(
        kv -> {
          records.add("proxy-configs " + kv.key);
          if (kv.value != null) {
            causes.put(
                "proxy-configs " + kv.key,
                new Caused(kv.value.getMesh(), offsets(kv.value.getCauses())));
          }
        });
    endpoints.forEach(
        kv -> {
          records.add("endpoints " + kv.key);
          if (kv.value != null) {
            causes.put(
                "endpoints " + kv.key,
                new Caused(kv.value.getMesh(), offsets(kv.value.getCauses())));
          }
        });

    Map<String, String> stores = p.storeContents();
    // The topics, compacted, say what the stores say: the last record of each key is its entry.
    Map<String, String> lastRecords = new HashMap<>();
    configs.forEach(
        kv ->
            lastRecords.put(
                "proxy-configs " + kv.key,
                kv.value == null ? null : kv.value.getVersion() + kv.value.getResources()));
    endpoints.forEach(
        kv ->
            lastRecords.put(
                "endpoints " + kv.key,
                kv.value == null ? null : kv.value.getVersion() + kv.value.getLoadAssignment()));
    lastRecords.forEach((key, value) -> assertThat(stores.get(key)).as(key).isEqualTo(value));
    return new Outcome(stores, records, causes);
  }

  private static List<Long> offsets(List<EventRef> causes) {
    return causes.stream().map(EventRef::getOffset).toList();
  }

  private static List<Step> history() throws Exception {
    List<Step> steps = new ArrayList<>();
    steps.add(new Step(APART, upserted(1, mesh("default"))));
    for (int s = 0; s < 6; s++) {
      for (int i = 0; i < 3; i++) {
        steps.add(new Step(i == 0 ? APART : CLOSE, upserted(1, instance(s, i, "http", i == 2))));
      }
    }
    steps.add(new Step(APART, upserted(1, mesh("other"))));
    steps.add(new Step(CLOSE, upserted(1, db())));
    steps.add(new Step(CLOSE, upserted(1, client())));
    steps.add(new Step(APART, FanOutTest.policy("MeshTimeout", "to-svc-2", 1, TO_SVC_2)));
    steps.add(new Step(CLOSE, FanOutTest.policy("MeshTimeout", "mesh-wide", 1, MESH_WIDE)));
    steps.add(new Step(APART, FanOutTest.policy("MeshFaultInjection", "faults", 1, FAULTS)));
    // svc-1-0 loses the label the caller-side policy selects: its callers decide anew.
    DataplaneResource relabelled = instance(1, 0, "http", false);
    relabelled.setLabels(Map.of());
    steps.add(new Step(APART, upserted(2, relabelled)));
    steps.add(new Step(CLOSE, upserted(2, instance(3, 0, "tcp", false))));
    steps.add(new Step(CLOSE, upserted(2, instance(3, 1, "tcp", false))));
    steps.add(new Step(APART, upserted(3, instance(3, 0, "http", false))));
    DataplaneResource unhealthy = instance(4, 1, "http", false);
    unhealthy.setInbound(List.of(withHealth(unhealthy.getInbound().get(0), false)));
    steps.add(new Step(APART, upserted(2, unhealthy)));
    steps.add(new Step(CLOSE, deleted("default", "Dataplane", "svc-5-1", 2)));
    steps.add(new Step(APART, deleted("default", "MeshTimeout", "to-svc-2", 2)));
    steps.add(new Step(CLOSE, deleted("default", "MeshFaultInjection", "faults", 2)));
    // The mesh goes (as the decider's cascade writes it) and comes back without db.
    steps.add(new Step(APART, deleted("other", "Dataplane", "db-1", 2)));
    steps.add(new Step(CLOSE, deleted("other", "Dataplane", "client-1", 2)));
    steps.add(new Step(CLOSE, deleted("other", "Mesh", "other", 2)));
    steps.add(new Step(APART, upserted(3, mesh("other"))));
    steps.add(new Step(APART, upserted(3, client())));
    steps.add(new Step(APART, upserted(3, instance(1, 2, "grpc", true))));
    return steps;
  }

  /** Instance {@code i} of svc-{@code s}, calling the next two services; proxyless on request. */
  private static DataplaneResource instance(int s, int i, String protocol, boolean proxyless) {
    DataplaneResource dp =
        dataplane(
            "default",
            "svc-" + s + "-" + i,
            "10.0." + s + "." + (i + 1),
            inbound("svc-" + s, 8080, "kuma.io/protocol", protocol));
    dp.setOutbound(
        List.of(
            ProjectorTopologyTest.outbound("svc-" + ((s + 1) % 6), 10001),
            ProjectorTopologyTest.outbound("svc-" + ((s + 2) % 6), 10002)));
    dp.setLabels(
        proxyless ? Map.of("chronomesh.io/proxy-type", "proxyless") : Map.of("app", "svc-" + s));
    return dp;
  }

  private static DataplaneResource db() {
    return dataplane("other", "db-1", "10.9.0.1", inbound("db", 5432));
  }

  private static DataplaneResource client() {
    DataplaneResource dp = dataplane("other", "client-1", "10.9.0.2", inbound("client", 8080));
    dp.setOutbound(List.of(ProjectorTopologyTest.outbound("db", 15432)));
    return dp;
  }

  private static final String TO_SVC_2 =
      """
      type: MeshTimeout
      mesh: default
      name: to-svc-2
      spec:
        targetRef: {kind: Mesh}
        to:
          - targetRef: {kind: MeshService, name: svc-2}
            default:
              connectionTimeout: 7s
      """;

  private static final String MESH_WIDE =
      """
      type: MeshTimeout
      mesh: default
      name: mesh-wide
      spec:
        targetRef: {kind: Mesh}
        to:
          - targetRef: {kind: Mesh}
            default:
              connectionTimeout: 3s
      """;

  private static final String FAULTS =
      """
      type: MeshFaultInjection
      mesh: default
      name: faults
      spec:
        targetRef: {kind: Dataplane, labels: {app: svc-1}}
        from:
          - targetRef: {kind: Mesh}
            default:
              http:
                - abort: {httpStatus: 503, percentage: 50}
      """;
}
