package dev.chronomesh.chronoctl;

import java.util.List;

/**
 * A failure to report to the user: the lines to print on stderr and the process exit code ({@link
 * Chronoctl#EXIT_REFUSED} or {@link Chronoctl#EXIT_UNAVAILABLE}).
 */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;
  private final List<String> lines;

  CliFailure(int exitCode, List<String> lines) {
    super(String.join("\n", lines));
    this.exitCode = exitCode;
    this.lines = List.copyOf(lines);
  }

  static CliFailure refused(String message) {
    return new CliFailure(Chronoctl.EXIT_REFUSED, List.of("Error: " + message));
  }

  static CliFailure unavailable(String message) {
    return new CliFailure(Chronoctl.EXIT_UNAVAILABLE, List.of("Error: " + message));
  }

  int exitCode() {
    return exitCode;
  }

  List<String> lines() {
    return lines;
  }
}
