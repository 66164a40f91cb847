package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionControlTest {
  private final AtomicLong now = new AtomicLong();

  @Test
  void admitsABurstThenTheRate() {
    AdmissionControl admission = new AdmissionControl(100, 5, now::get);

    for (int i = 0; i < 5; i++) {
      assertThat(admission.tryAdmit()).as("burst %d", i).isTrue();
    }
    assertThat(admission.tryAdmit()).isFalse();

    now.addAndGet(10_000_000L); // 10 ms at 100/s: one more
    assertThat(admission.tryAdmit()).isTrue();
    assertThat(admission.tryAdmit()).isFalse();

    now.addAndGet(10_000_000_000L); // a quiet period refills only up to the burst
    int admitted = 0;
    while (admission.tryAdmit()) {
      admitted++;
    }
    assertThat(admitted).isEqualTo(5);
    assertThat(admission.refused()).isEqualTo(3);
  }

  @Test
  void rejectsNonsenseSettings() {
    assertThatThrownBy(() -> new AdmissionControl(0, 5, now::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive rate");
    assertThatThrownBy(() -> new AdmissionControl(10, 0, now::get))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
