package dev.chronomesh.meshmodel;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The durations of a Mesh's settings ({@code mtls.backends[].dpCert.rotation.expiration}, the
 * builtin CA's {@code caCert.expiration}): one number and one unit of {@code y} (365 days), {@code
 * w}, {@code d}, {@code h}, {@code m}, {@code s}, {@code ms}, or a bare {@code 0}, as Kuma's {@code
 * mesh.ParseDuration}.
 */
public final class MeshDuration {
  private static final Pattern FORM = Pattern.compile("(\\d{1,12})(y|w|d|h|m|s|ms)|0");

  private MeshDuration() {}

  /** Why {@code text} is not a mesh duration, or null when it is one. */
  public static String problem(String text) {
    return text != null && FORM.matcher(text).matches()
        ? null
        : "must be a duration such as 1y, 2w, 1d, 24h, 90m or 30s (one number and one unit)";
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException when {@link #problem} names one
   */
  public static Duration parse(String text) {
    String problem = problem(text);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    Matcher m = FORM.matcher(text);
    m.matches();
    if (m.group(1) == null) {
      return Duration.ZERO;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "y" -> Duration.ofDays(365 * n);
      case "w" -> Duration.ofDays(7 * n);
      case "d" -> Duration.ofDays(n);
      case "h" -> Duration.ofHours(n);
      case "m" -> Duration.ofMinutes(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMillis(n);
    };
  }
}
