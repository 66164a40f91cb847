package dev.chronomesh.meshmodel.policy;

import dev.chronomesh.meshmodel.Violations;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The value rules policy validators share (after Kuma's {@code pkg/core/validators}): ranges,
 * enums, durations, decimals, header matches and route backends. Each adds its violation under the
 * full path it is given; a null value (absent field) is never a violation here.
 */
public final class PolicyChecks {
  /** Kuma's HeaderMatch types. */
  public static final Set<String> HEADER_MATCH_TYPES =
      Set.of("Exact", "Present", "RegularExpression", "Absent", "Prefix");

  private final Violations v;

  public PolicyChecks(Violations v) {
    this.v = v;
  }

  /** The collected violations. */
  public Violations violations() {
    return v;
  }

  public void add(String path, String reason) {
    v.add(path, reason);
  }

  /** A duration greater than zero. */
  public void positive(GoDuration value, String path) {
    if (value != null && value.isZero()) {
      v.add(path, "must be greater than 0s");
    }
  }

  /** An integer in {@code [min, max]}. */
  public void range(Number value, String path, long min, long max) {
    if (value != null && (value.longValue() < min || value.longValue() > max)) {
      v.add(path, "must be in inclusive range [" + min + ", " + max + "]");
    }
  }

  /** One of {@code allowed}. */
  public void oneOf(String value, String path, Set<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      v.add(path, "must be one of " + sorted(allowed) + ", got " + value);
    }
  }

  /** Not empty. */
  public void nonEmpty(String value, String path) {
    if (value == null || value.isEmpty()) {
      v.add(path, "cannot be empty");
    }
  }

  /** An int or a decimal string, not negative and at most {@code max} when given. */
  public void decimal(IntOrString value, String path, BigDecimal max) {
    if (value == null) {
      return;
    }
    var number = value.decimal();
    if (number.isEmpty()) {
      v.add(path, "must be a decimal number, got " + value.text());
    } else if (number.get().signum() < 0 || (max != null && number.get().compareTo(max) > 0)) {
      v.add(
          path,
          "must be in inclusive range [0, " + (max == null ? "inf" : max.toPlainString()) + "]");
    }
  }

  /** Kuma's header matches: a known type, and a value unless the type is Present or Absent. */
  public void headerMatches(List<HeaderMatch> headers, String path) {
    if (headers == null) {
      return;
    }
    for (int i = 0; i < headers.size(); i++) {
      String p = path + "[" + i + "]";
      HeaderMatch h = headers.get(i);
      oneOf(h.type(), p + ".type", HEADER_MATCH_TYPES);
      boolean valueless = "Present".equals(h.type()) || "Absent".equals(h.type());
      if (h.type() != null
          && HEADER_MATCH_TYPES.contains(h.type())
          && !valueless
          && h.value() == null) {
        v.add(p + ".value", "must be set with type " + h.type());
      }
    }
  }

  /** A route backend: kind MeshService or MeshServiceSubset, a name, port and weight in range. */
  public void backendRef(BackendRef ref, String path) {
    oneOf(ref.kind(), path + ".kind", Set.of("MeshService", "MeshServiceSubset"));
    nonEmpty(ref.name(), path + ".name");
    if ("MeshService".equals(ref.kind()) && ref.tags() != null) {
      v.add(path + ".tags", "must not be set with kind MeshService");
    }
    range(ref.port(), path + ".port", 1, 65535);
    range(ref.weight(), path + ".weight", 0, Integer.MAX_VALUE);
  }

  /** {@link #backendRef} for each of {@code refs}. */
  public void backendRefs(List<BackendRef> refs, String path) {
    if (refs == null) {
      return;
    }
    for (int i = 0; i < refs.size(); i++) {
      backendRef(refs.get(i), path + "[" + i + "]");
    }
  }

  /** Kuma's HeaderMatch: type Exact, Prefix, RegularExpression, Absent or Present. */
  public record HeaderMatch(String type, @JsonBinding.Required String name, String value) {}

  /** A header name and value (header modifiers). */
  public record HeaderValue(
      @JsonBinding.Required String name, @JsonBinding.Required String value) {}

  /** A route backend: kind MeshService or MeshServiceSubset; weight defaults to 1. */
  public record BackendRef(
      @JsonBinding.Required String kind,
      String name,
      Map<String, String> tags,
      Integer port,
      Integer weight) {}

  private static String sorted(Set<String> values) {
    return String.join(", ", new TreeSet<>(values));
  }
}
