package dev.chronomesh.auth;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kuma durations for token validity: one or more {@code <integer><unit>} parts with the units
 * {@code ms}, {@code s}, {@code m}, {@code h}, {@code d} ({@code 30s}, {@code 15m}, {@code 24h},
 * {@code 7d}, {@code 1h30m}); positive and at most {@link #MAX} (10 years).
 */
public final class KumaDuration {
  /** The longest validity a token may have: 10 years of 365 days. */
  public static final Duration MAX = Duration.ofDays(3650);

  private static final Pattern WHOLE = Pattern.compile("(\\d{1,12}(ms|s|m|h|d))+");
  private static final Pattern PART = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

  private KumaDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException with a reason fit for a problem's invalid_parameters (never
   *     longer than the input allows)
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("must be a duration such as 30s, 15m, 24h, 7d or 1h30m");
    }
    if (text.length() > 64 || !WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "invalid duration: use whole numbers with the units ms, s, m, h or d, e.g. 30s, 15m,"
              + " 24h, 7d or 1h30m");
    }
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(text);
    while (part.find()) {
      long amount = Long.parseLong(part.group(1));
      Duration piece =
          switch (part.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> throw new IllegalStateException("unit " + part.group(2));
          };
      total = total.plus(piece);
      if (total.compareTo(MAX) > 0) {
        throw tooLong();
      }
    }
    if (total.isZero()) {
      throw new IllegalArgumentException("must be longer than zero");
    }
    return total;
  }

  /** Checks a validity given as a {@link Duration}: positive and at most {@link #MAX}. */
  public static Duration check(Duration validity) {
    if (validity == null || validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("must be longer than zero");
    }
    if (validity.compareTo(MAX) > 0) {
      throw tooLong();
    }
    return validity;
  }

  private static IllegalArgumentException tooLong() {
    return new IllegalArgumentException("must be at most 10 years (3650d)");
  }
}
