package dev.chronomesh.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The harness end to end on a tiny mesh: embedded broker, admin API, projector, a gateway process
 * and a baseline process, simulated proxies on both, every scenario, the write path and a replay.
 * Checks that every figure was measured (not what it is: speed is for BENCHMARKS.md).
 */
class HarnessIT {
  @TempDir Path out;

  @Test
  void aTinyRunMeasuresEveryFigureOnBothControlPlanes() throws Exception {
    int exit =
        new CommandLine(new Harness())
            .execute(
                "--services", "3",
                "--dataplanes-per-service", "2",
                "--fan-out", "1",
                "--changes", "2",
                "--warmup-changes", "1",
                "--writers", "1",
                "--write-seconds", "1",
                "--replay-events", "100",
                "--replay-churn", "300",
                "--control-plane-heap", "512m",
                "--out", out.toString());
    assertThat(exit).isZero();
    assertThat(Files.readString(out.resolve("results.md")))
        .contains("| Figure | Chronomesh | Baseline | Chronomesh ÷ baseline |");
    JsonNode run = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    for (String plane : new String[] {"chronomesh", "baseline"}) {
      JsonNode m = run.path("controlPlanes").path(plane);
      assertThat(m.path("connect_all_s").asDouble()).as(plane).isPositive();
      assertThat(m.path("heap_connected_mb").asDouble()).as(plane).isPositive();
      assertThat(m.path("storm_s").isNumber()).as(plane + " storm").isTrue();
      assertThat(m.path("failed_streams").asLong())
          .as(plane + " " + m.path("failed_stream_example").asText())
          .isZero();
      for (String scenario : Scenarios.ALL) {
        JsonNode s = m.path(scenario);
        assertThat(s.path("timeouts").asInt()).as(plane + " " + scenario).isZero();
        assertThat(s.path("affected_per_change").asInt()).as(plane + " " + scenario).isPositive();
        assertThat(s.path("convergence_last_ack").path("count").asLong())
            .as(plane + " " + scenario)
            .isEqualTo(2);
        assertThat(s.path("convergence_first_ack").path("count").asLong())
            .as(plane + " " + scenario + " first ACK")
            .isEqualTo(2);
        assertThat(s.path("warmup_last_ack").path("count").asLong())
            .as(plane + " " + scenario + " warm-up")
            .isEqualTo(1);
      }
    }
    JsonNode write = run.path("writePath");
    assertThat(write.path("writes_accepted").asLong()).isPositive();
    assertThat(write.path("replay_events").asLong()).isGreaterThanOrEqualTo(400);
    assertThat(write.path("replay_churn_events").asLong()).isEqualTo(300);
    assertThat(write.path("replay_events_per_s").asLong()).isPositive();
    assertThat(write.path("replay_catch_up_events_per_s").asLong()).isPositive();
  }
}
