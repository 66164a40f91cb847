package dev.chronomesh.benchmarks.harness;

import java.io.PrintStream;
import java.time.Duration;

/** Progress lines on stderr, with the time since the run started. */
final class Progress {
  private final PrintStream out;
  private final long start = System.nanoTime();

  Progress(PrintStream out) {
    this.out = out;
  }

  void status(String line) {
    Duration t = Duration.ofNanos(System.nanoTime() - start);
    out.printf("[%4d.%01ds] %s%n", t.toSeconds(), t.toMillisPart() / 100, line);
    out.flush();
  }
}
