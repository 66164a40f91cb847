package dev.chronomesh.launcher.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RenewalTest {
  @Test
  void renewsAtFourFifthsOfTheLifetimeAsKuma() {
    Instant notBefore = Instant.parse("2026-12-07T00:00:00Z");
    assertThat(Renewal.at(notBefore, notBefore.plusSeconds(24 * 3600)))
        .isEqualTo(Instant.parse("2026-12-07T19:12:00Z"));
    assertThat(Renewal.at(notBefore, notBefore.plusSeconds(60)))
        .isEqualTo(notBefore.plusSeconds(48));
  }
}
