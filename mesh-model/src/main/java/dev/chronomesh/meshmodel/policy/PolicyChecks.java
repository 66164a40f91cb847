package dev.chronomesh.meshmodel.policy;

import dev.chronomesh.meshmodel.Violations;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

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

  /** Kuma's header name ({@code common_api.HeaderName}): lower case token characters, 1-256. */
  public static final Pattern HEADER_NAME = Pattern.compile("^[a-z0-9!#$%&'*+\\-.^_`|~]+$");

  /** Kuma's name of a service or resource in a targetRef ({@code NameCharacterSet}). */
  public static final Pattern NAME = Pattern.compile("^[0-9a-z.\\-_]*$");

  /** The kinds Kuma's route backendRefs take; Chronomesh routes to the first two. */
  public static final Set<String> BACKEND_KINDS =
      Set.of("MeshService", "MeshServiceSubset", "MeshExternalService", "MeshMultiZoneService");

  /** A header name as Kuma's schema has it (pattern and length). */
  public void headerName(String name, String path) {
    if (name == null) {
      return;
    }
    if (name.isEmpty() || name.length() > 256) {
      v.add(path, "must be 1 to 256 characters long");
    } else if (!HEADER_NAME.matcher(name).matches()) {
      v.add(path, "must match " + HEADER_NAME.pattern());
    }
  }

  /** At most {@code max} items (Kuma's maxItems). */
  public void maxItems(List<?> list, String path, int max) {
    if (list != null && list.size() > max) {
      v.add(path, "must have at most " + max + " items");
    }
  }

  /**
   * A route backend (Kuma's {@code ValidateTargetRef} for a backendRef, then {@code
   * ValidateBackendRef}): kind MeshService with a name, or MeshServiceSubset with a name and tags;
   * a weight of at least 0. {@code kinds} are the kinds Kuma accepts at this place; of them only
   * MeshService and MeshServiceSubset (the {@code kuma.io/service} tag) are supported yet. A
   * MeshService with {@code port} is that port of the MeshService resource {@code name}; {@code
   * labels} (a MeshService resource by its labels) is not supported yet.
   */
  public void backendRef(BackendRef ref, String path, Set<String> kinds) {
    range(ref.weight(), path + ".weight", 0, Integer.MAX_VALUE);
    if (!kinds.contains(ref.kind())) {
      v.add(path + ".kind", "value '" + ref.kind() + "' is not supported");
      return;
    }
    if (!ref.kind().equals("MeshService") && !ref.kind().equals("MeshServiceSubset")) {
      v.notSupportedYet(path + ".kind", "kind " + ref.kind());
      return;
    }
    String kind = ref.kind();
    if (ref.mesh() != null) {
      v.add(path + ".mesh", "must not be set with kind " + kind);
    }
    if (ref.proxyTypes() != null) {
      v.add(path + ".proxyTypes", "must not be set with kind " + kind);
    }
    if (ref.labels() != null) {
      v.notSupportedYet(path + ".labels", TargetRef.MESH_SERVICE_RESOURCES);
    }
    if (ref.port() != null) {
      if (kind.equals("MeshService")) {
        // A port of the MeshService resource `name` (Kuma's ReferencesRealObject).
        range(ref.port(), path + ".port", 1, 65535);
      } else {
        // Kuma ignores it with MeshServiceSubset (a tag-based ref): refused, not accepted idle.
        v.notSupportedYet(path + ".port", "a port with kind MeshServiceSubset");
      }
    }
    if (kind.equals("MeshService")) {
      if (ref.tags() != null && !ref.tags().isEmpty()) {
        v.add(path + ".tags", "must not be set with kind MeshService");
      }
      if (ref.labels() == null && (ref.name() == null || ref.name().isEmpty())) {
        v.add(path, "name or labels must be set when kind is MeshService");
      }
    } else if (ref.name() == null || ref.name().isEmpty()) {
      v.add(path + ".name", "must be set when kind is MeshServiceSubset");
    }
    if (ref.name() != null && !NAME.matcher(ref.name()).matches()) {
      v.add(
          path + ".name",
          "invalid characters: must consist of lower case alphanumeric characters, '-', '.' and"
              + " '_'.");
    }
  }

  /** {@link #backendRef} for each of {@code refs}. */
  public void backendRefs(List<BackendRef> refs, String path) {
    if (refs == null) {
      return;
    }
    for (int i = 0; i < refs.size(); i++) {
      backendRef(refs.get(i), path + "[" + i + "]", BACKEND_KINDS);
    }
  }

  /** Kuma's HeaderMatch: type Exact, Prefix, RegularExpression, Absent or Present. */
  public record HeaderMatch(String type, @JsonBinding.Required String name, String value) {}

  /** A header name and value (header modifiers). */
  public record HeaderValue(
      @JsonBinding.Required String name, @JsonBinding.Required String value) {}

  /**
   * A route backend: kind MeshService or MeshServiceSubset; weight defaults to 1. Kuma's fields of
   * a MeshService resource backend ({@code labels}, {@code port}) and the ones Kuma refuses with
   * these kinds ({@code mesh}, {@code proxyTypes}) are read so that {@link #backendRef} refuses
   * them by name.
   */
  @JsonBinding.NotSupportedYet(
      value = {"namespace", "sectionName"},
      reason = TargetRef.MESH_SERVICE_RESOURCES)
  public record BackendRef(
      @JsonBinding.Required String kind,
      String name,
      Map<String, String> labels,
      Map<String, String> tags,
      Integer port,
      Integer weight,
      String mesh,
      List<String> proxyTypes) {}

  private static String sorted(Set<String> values) {
    return String.join(", ", new TreeSet<>(values));
  }
}
