package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams may commit a window's first offsets before the window ends: the proxies those
 * events dirtied are in the dirty store by then, so a task restarted from what it committed
 * regenerates them, with the causes they had, as the stopped one would have.
 */
class WindowRestartTest {
  @Test
  void aWindowOpenWhenTheTaskStoppedIsRegeneratedWithItsCausesOnRestart() {
    Map<String, KeyValueStore<String, Object>> committed = new TreeMap<>();
    long start = ProjectorHarness.START.toEpochMilli();

    MockProcessorContext<String, Object> before = CatchUpTest.context(committed, start);
    MeshProjector stopped = new MeshProjector(ProjectorHarness.WINDOW, Duration.ZERO);
    stopped.init(before);
    long offset = 0;
    for (ResourceEvent event :
        List.of(
            upserted(1, mesh("default")),
            upserted(1, ProjectorTopologyTest.backend("backend-1", "10.0.0.1")),
            upserted(1, ProjectorTopologyTest.web1()),
            upserted(2, ProjectorTopologyTest.backend("backend-1", "10.0.0.2")))) {
      event.setOccurredAt(ProjectorHarness.START);
      before.setRecordMetadata("events", 0, offset++);
      stopped.process(new Record<>("default", event, start));
    }
    assertThat(before.forwarded()).as("the window is still open").isEmpty();
    assertThat(committed.get(ProjectorTopology.DIRTY_STORE).approximateNumEntries()).isEqualTo(2);

    // The task stops here (its stores are what it committed) and starts again.
    MockProcessorContext<String, Object> after = CatchUpTest.context(committed, start + 1_000);
    MeshProjector restarted = new MeshProjector(ProjectorHarness.WINDOW, Duration.ZERO);
    restarted.init(after);
    // One window of silence later, the idle flush closes the window.
    after
        .scheduledPunctuators()
        .get(0)
        .getPunctuator()
        .punctuate(start + 1_000 + ProjectorHarness.WINDOW.toMillis());

    Map<String, List<Long>> causes = new TreeMap<>();
    after.forwarded().stream()
        .filter(f -> ProjectorTopology.CONFIGS_SINK.equals(f.childName().orElse(null)))
        .forEach(
            f ->
                causes.put(
                    f.record().key(),
                    ((ProxyConfig) f.record().value())
                        .getCauses().stream().map(EventRef::getOffset).toList()));
    assertThat(causes)
        .containsExactly(
            Map.entry("default.backend-1", List.of(1L, 3L)),
            Map.entry("default.web-1", List.of(2L)));
    assertThat(committed.get(ProjectorTopology.DIRTY_STORE).approximateNumEntries()).isZero();
  }
}
