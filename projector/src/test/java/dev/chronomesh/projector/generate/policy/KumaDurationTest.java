package dev.chronomesh.projector.generate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import org.junit.jupiter.api.Test;

class KumaDurationTest {
  private static Duration d(long s, int n) {
    return Duration.newBuilder().setSeconds(s).setNanos(n).build();
  }

  @Test
  void parsesGoDurations() {
    assertThat(KumaDuration.parse("10s")).contains(d(10, 0));
    assertThat(KumaDuration.parse("1m30s")).contains(d(90, 0));
    assertThat(KumaDuration.parse("100ms")).contains(d(0, 100_000_000));
    assertThat(KumaDuration.parse("1h")).contains(d(3600, 0));
    assertThat(KumaDuration.parse("1.5h")).contains(d(5400, 0));
    assertThat(KumaDuration.parse("2h45m0.5s")).contains(d(9900, 500_000_000));
    assertThat(KumaDuration.parse("1us")).contains(d(0, 1000));
    assertThat(KumaDuration.parse("1µs")).contains(d(0, 1000));
    assertThat(KumaDuration.parse("7ns")).contains(d(0, 7));
    assertThat(KumaDuration.parse("0")).contains(d(0, 0));
    assertThat(KumaDuration.parse("0s")).contains(d(0, 0));
    assertThat(KumaDuration.parse("+5s")).contains(d(5, 0));
  }

  @Test
  void rejectsWhatIsNotANonNegativeGoDuration() {
    for (String bad : new String[] {"", "10", "s", "-1s", "1d", "1 s", "1s2", "abc", "1.s.s"}) {
      assertThat(KumaDuration.parse(bad)).as(bad).isEmpty();
    }
    assertThat(KumaDuration.parse(null)).isEmpty();
    assertThat(KumaDuration.parse("99999999999999999999h")).isEmpty();
  }
}
