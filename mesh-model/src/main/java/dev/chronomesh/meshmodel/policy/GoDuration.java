package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violations;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration} syntax, as Kuma's policy fields use it ({@code 10s}, {@code
 * 1m30s}, {@code 100ms}, {@code 1.5h}, {@code 0}), non-negative only. One parser for the validators
 * (a value that does not parse is a violation) and the configurers.
 *
 * <p>As a bound policy field ({@link JsonBinding.Value}) it keeps the text as written, so a stored
 * policy renders as it was sent, and the parsed {@link #duration()} for the configurers.
 *
 * @param text the duration as written
 * @param duration its value
 */
public record GoDuration(String text, Duration duration) implements JsonBinding.Value {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);
  private static final Map<String, BigDecimal> UNIT_NANOS =
      Map.of(
          "ns", BigDecimal.ONE,
          "us", BigDecimal.valueOf(1_000L),
          "µs", BigDecimal.valueOf(1_000L),
          "μs", BigDecimal.valueOf(1_000L),
          "ms", BigDecimal.valueOf(1_000_000L),
          "s", BigDecimal.valueOf(1_000_000_000L),
          "m", BigDecimal.valueOf(60_000_000_000L),
          "h", BigDecimal.valueOf(3_600_000_000_000L));

  public GoDuration {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(duration, "duration");
  }

  /** The bound value of a JSON string, or null with a violation when it is not a duration. */
  public static GoDuration read(JsonNode node, String path, Violations v) {
    if (!node.isTextual()) {
      v.add(path, "must be a string");
      return null;
    }
    Optional<Duration> parsed = parse(node.textValue());
    if (parsed.isEmpty()) {
      v.add(path, "must be a duration such as 10s, 1m30s or 100ms, got " + node.textValue());
      return null;
    }
    return new GoDuration(node.textValue(), parsed.get());
  }

  /** A value of {@code text}; throws {@link IllegalArgumentException} when it does not parse. */
  public static GoDuration of(String text) {
    return new GoDuration(
        text,
        parse(text).orElseThrow(() -> new IllegalArgumentException("not a duration: " + text)));
  }

  /** The JSON Schema of a duration field. */
  public static ObjectNode schema() {
    ObjectNode s = JsonNodeFactory.instance.objectNode().put("type", "string");
    s.put("description", "a Go duration such as 10s, 1m30s or 100ms");
    return s;
  }

  @Override
  public JsonNode toJson() {
    return JsonNodeFactory.instance.textNode(text);
  }

  /** Whether this duration is zero. */
  public boolean isZero() {
    return duration.isZero();
  }

  /** The duration {@code text} denotes, or empty when it is not a non-negative Go duration. */
  public static Optional<Duration> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String s = text.strip();
    if (s.startsWith("+")) {
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Optional.of(Duration.ZERO);
    }
    if (s.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = PART.matcher(s);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        return Optional.empty();
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(UNIT_NANOS.get(m.group(2))));
      at = m.end();
    }
    BigInteger[] split = nanos.toBigInteger().divideAndRemainder(NANOS_PER_SECOND);
    if (split[0].bitLength() > 63) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofSeconds(split[0].longValue(), split[1].intValue()));
  }
}
