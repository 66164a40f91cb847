package dev.chronomesh.chronoctl;

import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * What a run of chronoctl sees of its process: environment variables, stdin, stdout, stderr and the
 * clock (for the AGE column). Tests pass their own.
 */
record Env(
    Map<String, String> variables, InputStream in, PrintStream out, PrintStream err, Clock clock) {
  Env {
    variables = Map.copyOf(Objects.requireNonNull(variables, "variables"));
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    Objects.requireNonNull(clock, "clock");
  }

  static Env system() {
    return new Env(System.getenv(), System.in, System.out, System.err, Clock.systemUTC());
  }

  /** The variable's value, or null when it is unset or empty. */
  String get(String name) {
    String value = variables.get(name);
    return value == null || value.isEmpty() ? null : value;
  }
}
