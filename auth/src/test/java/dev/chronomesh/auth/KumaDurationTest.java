package dev.chronomesh.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KumaDurationTest {

  @Test
  void parsesSingleUnits() {
    assertThat(KumaDuration.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(KumaDuration.parse("15m")).isEqualTo(Duration.ofMinutes(15));
    assertThat(KumaDuration.parse("24h")).isEqualTo(Duration.ofHours(24));
    assertThat(KumaDuration.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(KumaDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void parsesCombinations() {
    assertThat(KumaDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(KumaDuration.parse("1d2h3m4s")).isEqualTo(Duration.parse("P1DT2H3M4S"));
  }

  @Test
  void acceptsUpToTenYears() {
    assertThat(KumaDuration.parse("3650d")).isEqualTo(KumaDuration.MAX);
    assertThatThrownBy(() -> KumaDuration.parse("3651d")).hasMessageContaining("at most 10 years");
    assertThatThrownBy(() -> KumaDuration.parse("3650d1s"))
        .hasMessageContaining("at most 10 years");
    assertThatThrownBy(() -> KumaDuration.parse("999999999999h"))
        .hasMessageContaining("at most 10 years");
  }

  @Test
  void rejectsGarbage() {
    for (String bad :
        new String[] {"", " ", "10", "h", "1.5h", "-1h", "1y", "1h 30m", "1H", "abc"}) {
      assertThatThrownBy(() -> KumaDuration.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> KumaDuration.parse(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KumaDuration.parse("0s")).hasMessageContaining("longer than zero");
  }

  @Test
  void checksDurations() {
    assertThat(KumaDuration.check(Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> KumaDuration.check(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KumaDuration.check(Duration.ofDays(4000)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
