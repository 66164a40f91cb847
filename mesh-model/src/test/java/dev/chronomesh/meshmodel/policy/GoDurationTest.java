package dev.chronomesh.meshmodel.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
  private static Duration d(long s, int n) {
    return Duration.ofSeconds(s, n);
  }

  @Test
  void parsesGoDurations() {
    assertThat(GoDuration.parse("10s")).contains(d(10, 0));
    assertThat(GoDuration.parse("1m30s")).contains(d(90, 0));
    assertThat(GoDuration.parse("100ms")).contains(d(0, 100_000_000));
    assertThat(GoDuration.parse("1h")).contains(d(3600, 0));
    assertThat(GoDuration.parse("1.5h")).contains(d(5400, 0));
    assertThat(GoDuration.parse("2h45m0.5s")).contains(d(9900, 500_000_000));
    assertThat(GoDuration.parse("1us")).contains(d(0, 1000));
    assertThat(GoDuration.parse("1µs")).contains(d(0, 1000));
    assertThat(GoDuration.parse("7ns")).contains(d(0, 7));
    assertThat(GoDuration.parse("0")).contains(d(0, 0));
    assertThat(GoDuration.parse("0s")).contains(d(0, 0));
    assertThat(GoDuration.parse("+5s")).contains(d(5, 0));
  }

  @Test
  void rejectsWhatIsNotANonNegativeGoDuration() {
    for (String bad : new String[] {"", "10", "s", "-1s", "1d", "1 s", "1s2", "abc", "1.s.s"}) {
      assertThat(GoDuration.parse(bad)).as(bad).isEmpty();
    }
    assertThat(GoDuration.parse(null)).isEmpty();
    assertThat(GoDuration.parse("99999999999999999999h")).isEmpty();
  }
}
