package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RenewalScheduleTest {
  private static final Instant NOT_BEFORE = Instant.parse("2026-12-07T00:00:00Z");

  @Test
  void renewsAtFourFifthsOfTheLifetimeAsKuma() {
    Instant notAfter = NOT_BEFORE.plus(Duration.ofHours(24));
    assertThat(RenewalSchedule.untilRenewal(NOT_BEFORE, NOT_BEFORE, notAfter))
        .isEqualTo(Duration.ofMinutes(24 * 60 * 4 / 5));
    assertThat(RenewalSchedule.untilRenewal(NOT_BEFORE.plusSeconds(3600), NOT_BEFORE, notAfter))
        .isEqualTo(Duration.ofMinutes(24 * 60 * 4 / 5 - 60));
  }

  @Test
  void neverRenewsSoonerThanASecondAfterSigning() {
    Instant notAfter = NOT_BEFORE.plusSeconds(60);
    assertThat(RenewalSchedule.untilRenewal(NOT_BEFORE.plusSeconds(59), NOT_BEFORE, notAfter))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(RenewalSchedule.untilRenewal(NOT_BEFORE.plusSeconds(120), NOT_BEFORE, notAfter))
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void retriesAfterOneSecondDoublingUpToThirty() {
    assertThat(
            java.util.stream.IntStream.rangeClosed(1, 8)
                .mapToObj(RenewalSchedule::retryAfter)
                .map(Duration::toSeconds)
                .toList())
        .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
  }
}
