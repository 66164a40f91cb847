package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ResourceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN principle 1: the projections are a deterministic function of the log. Replaying the same
 * events into an empty application (its own state directory) yields byte-identical output records
 * and byte-identical stores, whether the events arrive one by one with the wall clock running
 * between them (live) or all at once (a rebuild), because coalescing windows are slices of event
 * time.
 */
class ReplayDeterminismTest {
  @TempDir Path first;
  @TempDir Path second;

  /** An event and how much event time passes before it. */
  record Step(Duration after, ResourceEvent event) {}

  @Test
  void liveAndRebuiltProjectionsAreByteIdentical() {
    Run live = run(history(), first, true);
    Run rebuilt = run(history(), second, false);

    assertThat(live.output()).isNotEmpty();
    assertThat(rebuilt.output()).isEqualTo(live.output());
    assertThat(rebuilt.stores()).isEqualTo(live.stores());
  }

  /** Creates, updates, deletes and a second mesh; some events share a window, most do not. */
  static List<Step> history() {
    Duration apart = Duration.ofSeconds(1);
    Duration together = Duration.ZERO;
    return List.of(
        new Step(apart, upserted(1, mesh("default"))),
        new Step(together, upserted(1, mesh("other"))),
        new Step(apart, upserted(1, ProjectorTopologyTest.backend("backend-1", "10.0.0.1"))),
        new Step(together, upserted(1, ProjectorTopologyTest.web1())),
        new Step(apart, upserted(1, dataplane("other", "db-1", "10.0.1.1", inbound("db", 5432)))),
        new Step(apart, upserted(1, ProjectorTopologyTest.backend("backend-2", "10.0.0.2"))),
        new Step(apart, upserted(2, ProjectorTopologyTest.backend("backend-1", "10.0.0.9"))),
        new Step(together, deleted("default", "Dataplane", "backend-2", 2)),
        new Step(apart, upserted(2, ProjectorTopologyTest.web1())),
        new Step(apart, deleted("other", "Mesh", "other", 2)));
  }

  private record Run(List<String> output, Map<String, String> stores) {}

  private static Run run(List<Step> steps, Path stateDir, boolean live) {
    try (ProjectorHarness p = new ProjectorHarness(stateDir)) {
      for (Step step : steps) {
        if (live && !step.after().isZero()) {
          // Live, the wall clock runs while event time passes: the idle flush closes the window.
          p.idle();
        }
        p.later(step.after());
        p.pipe(step.event());
      }
      p.idle();
      List<String> output = new ArrayList<>();
      for (String topic :
          List.of(ProjectorHarness.TOPICS.proxyConfigs(), ProjectorHarness.TOPICS.endpoints())) {
        for (TestRecord<String, byte[]> r :
            p.driver
                .createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer())
                .readRecordsToList()) {
          output.add(topic + " " + r.key() + " " + render(r.value()) + " @" + r.timestamp());
        }
      }
      Map<String, String> stores = new TreeMap<>();
      for (String name :
          List.of(
              ProjectorTopology.RESOURCES_STORE,
              ProjectorTopology.PROXY_CONFIGS_STORE,
              ProjectorTopology.ENDPOINTS_STORE,
              ProjectorTopology.PROXY_DEPS_STORE,
              ProjectorTopology.DIRTY_STORE)) {
        KeyValueStore<Object, Object> store = p.driver.getKeyValueStore(name);
        try (KeyValueIterator<Object, Object> it = store.all()) {
          it.forEachRemaining(kv -> stores.put(name + "/" + kv.key, render(kv.value)));
        }
      }
      return new Run(output, stores);
    }
  }

  /** Avro records compare by value; byte arrays by content. */
  private static String render(Object value) {
    if (value instanceof byte[] bytes) {
      return Arrays.toString(bytes);
    }
    if (value instanceof Bytes bytes) {
      return Arrays.toString(bytes.get());
    }
    return String.valueOf(value);
  }
}
