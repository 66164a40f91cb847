package dev.chronomesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code chronomesh up} in a process of its own, as an operator starts it: with one of its ports or
 * its data directory held by another process, it exits non-zero with one line on stderr that names
 * what is taken and the option that changes it, and nothing else on the terminal. It starts nothing
 * first: no broker log directory is made.
 */
class UpFirstRunErrorsIT {
  @TempDir Path dataDir;
  @TempDir Path output;
  private Process process;

  @AfterEach
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }

  @ParameterizedTest
  @EnumSource(UpPort.class)
  void aTakenPortStopsUpWithOneLineNamingThePortAndItsOption(UpPort taken) throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = held.getLocalPort();

      assertRefusedWithOneLine(
          up(taken, port),
          "chronomesh: port "
              + port
              + " ("
              + taken.label()
              + ") is already in use; pass "
              + taken.option()
              + " PORT (0 picks a free one)");
    }
  }

  @Test
  void aDataDirectoryInUseStopsUpWithOneLineNamingItAndTheOption() throws Exception {
    try (DataDirLock held = DataDirLock.acquire(dataDir)) {
      assertRefusedWithOneLine(
          up(null, 0),
          "chronomesh: the data directory "
              + dataDir
              + " is in use by another Chronomesh (pid "
              + ProcessHandle.current().pid()
              + "); stop it or pass --data-dir DIR");
    }
  }

  /** Exited non-zero with {@code line} alone on the terminal, having started nothing. */
  private void assertRefusedWithOneLine(Terminal terminal, String line) {
    assertThat(terminal.stderr()).containsExactly(line);
    assertThat(terminal.stdout()).isEmpty();
    assertThat(terminal.exitCode()).isNotZero();
    assertThat(dataDir.resolve("kafka")).doesNotExist();
  }

  /** Runs {@code up} on the test's data directory with every port 0 but {@code taken}. */
  private Terminal up(UpPort taken, int port) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("up", "--data-dir", dataDir.toString()));
    for (UpPort p : UpPort.values()) {
      args.add(p.option());
      args.add(p == taken ? Integer.toString(port) : "0");
    }
    return run(args);
  }

  /** What the terminal showed: stdout and stderr, line by line, and the exit code. */
  private record Terminal(List<String> stdout, List<String> stderr, int exitCode) {}

  /** Runs the launcher's main with this test's classpath, as bin/chronomesh runs it. */
  private Terminal run(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    if (Runtime.version().feature() >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(args);
    Path stdout = output.resolve("stdout");
    Path stderr = output.resolve("stderr");
    process =
        new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS))
        .as("up exits by itself; stderr so far: %s", Files.readString(stderr))
        .isTrue();
    return new Terminal(
        Files.readAllLines(stdout, StandardCharsets.UTF_8),
        Files.readAllLines(stderr, StandardCharsets.UTF_8),
        process.exitValue());
  }
}
