package dev.chronomesh.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
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
}
