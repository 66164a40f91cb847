package dev.chronomesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The check of {@code up}'s ports before anything starts, and the same message for a port taken
 * after the check. Ports are held on loopback, chosen by the OS at run time.
 */
class PortCheckTest {
  @Test
  void freePortsAndPortZeroPass() throws IOException {
    int free = freePort();
    assertThatCode(() -> PortCheck.requireFree(settings("127.0.0.1", free, 0)))
        .doesNotThrowAnyException();
  }

  @Test
  void aTakenPortIsRefusedNamingItsOption() throws IOException {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = held.getLocalPort();
      assertThatThrownBy(() -> PortCheck.requireFree(settings("127.0.0.1", 0, port)))
          .isInstanceOf(StartRefusedException.class)
          .hasMessage(
              "port "
                  + port
                  + " (Kafka) is already in use; pass --kafka-port PORT (0 picks a"
                  + " free one)");
    }
  }

  @Test
  void twoOptionsWithOnePortAreRefusedNamingBoth() {
    assertThatThrownBy(() -> PortCheck.requireFree(settings("127.0.0.1", 40000, 40000)))
        .isInstanceOf(StartRefusedException.class)
        .hasMessage(
            "--api-port and --kafka-port are both 40000; give each its own port (0 picks a free"
                + " one)");
  }

  @Test
  void aPortOutOfRangeIsRefusedNamingItsOption() {
    assertThatThrownBy(() -> PortCheck.requireFree(settings("127.0.0.1", 70000, 0)))
        .isInstanceOf(StartRefusedException.class)
        .hasMessage("--api-port must be a port from 0 to 65535 (0 picks a free one), got 70000");
  }

  @Test
  void aHostThisMachineDoesNotHaveIsNotMistakenForATakenPort() throws IOException {
    int free = freePort();
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it.
    assertThatThrownBy(() -> PortCheck.requireFree(settings("192.0.2.1", free, 0)))
        .isInstanceOf(StartRefusedException.class)
        .hasMessageStartingWith("cannot listen on 192.0.2.1 (")
        .hasMessageEndingWith("); pass --host with an address of this machine");
  }

  @Test
  void aBindFailureAfterTheCheckIsExplainedByThePortStillTaken() throws IOException {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = held.getLocalPort();
      // As grpc-netty reports it: its own exception, no BindException among the causes.
      RuntimeException failure =
          new UncheckedIOException(
              "cannot bind the xDS gRPC server to /127.0.0.1:" + port,
              new IOException(
                  "Failed to bind to address /127.0.0.1:" + port,
                  new IOException("bind(..) failed with error(-98): Address already in use")));

      RuntimeException explained = PortCheck.explain(failure, settings("127.0.0.1", port, 0));

      assertThat(explained)
          .isInstanceOf(StartRefusedException.class)
          .hasMessage(
              "port "
                  + port
                  + " (REST API) is already in use; pass --api-port PORT (0 picks a"
                  + " free one)")
          .hasCause(failure);
    }
  }

  @Test
  void aFailureThatIsNoBindFailureStaysAsItIs() throws IOException {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      RuntimeException failure = new IllegalStateException("Kafka brokers not ready within 60s");
      assertThat(PortCheck.explain(failure, settings("127.0.0.1", held.getLocalPort(), 0)))
          .isSameAs(failure);
    }
  }

  @Test
  void aBindFailureWhosePortWasReleasedSinceStaysAsItIs() {
    RuntimeException failure =
        new IllegalStateException("did not start", new BindException("Address already in use"));
    assertThat(PortCheck.explain(failure, settings("127.0.0.1", 0, 0))).isSameAs(failure);
  }

  /** A loopback port that was free a moment ago. */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Settings with the given REST API and Kafka ports, every other port 0. */
  private static ChronomeshStack.Settings settings(String host, int apiPort, int kafkaPort) {
    return new ChronomeshStack.Settings(
        Path.of("unused"), host, apiPort, 0, kafkaPort, 0, 1, Topics.defaults());
  }
}
