package dev.chronomesh.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void neverHandsOutTheSamePortTwiceInARow() {
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      int port = FreePorts.next();
      assertThat(port).isBetween(1, 65535);
      assertThat(ports.add(port)).as("port %d handed out again (call %d)", port, i).isTrue();
    }
  }

  @Test
  void aPortTheOsOffersAgainAtOnceIsSkipped() {
    // What happened in DeltaNackIT: the OS offered the port just handed out to the broker's
    // listener again for its controller.
    FreePorts.Picker picker = new FreePorts.Picker(1024, ports(37707, 37707, 37708));

    assertThat(picker.next()).isEqualTo(37707);
    assertThat(picker.next()).isEqualTo(37708);
  }

  @Test
  void onlyTheLastPortsAreRemembered() {
    FreePorts.Picker picker = new FreePorts.Picker(2, ports(1001, 1002, 1003, 1001));

    assertThat(List.of(picker.next(), picker.next(), picker.next(), picker.next()))
        .containsExactly(1001, 1002, 1003, 1001);
  }

  @Test
  void anOsThatOffersOnlyRememberedPortsIsAnErrorNotALoop() {
    FreePorts.Picker picker = new FreePorts.Picker(1024, () -> 4242);
    picker.next();

    assertThatThrownBy(picker::next)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("100 attempts");
  }

  private static java.util.function.IntSupplier ports(int... sequence) {
    PrimitiveIterator.OfInt it = IntStream.of(sequence).iterator();
    return it::nextInt;
  }
}
