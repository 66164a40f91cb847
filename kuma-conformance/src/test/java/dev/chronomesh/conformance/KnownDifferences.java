package dev.chronomesh.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code known-differences.yaml}: every place Chronomesh knowingly differs from Kuma, with the
 * reason. Three sections, each a map from a key to its reason: {@code outcomes} (document id: a
 * valid document refused or an invalid one accepted), {@code effects} (document id, or id and a
 * field path: an accepted setting that changes no Envoy config) and {@code schema} (type and a
 * property path of Kuma's OpenAPI schema that our records neither bind nor declare not supported).
 * The tests fail on a difference not listed here and on a listed one that no longer differs.
 */
record KnownDifferences(
    SortedMap<String, String> outcomes,
    SortedMap<String, String> effects,
    SortedMap<String, String> schema) {
  static final Path FILE = Path.of("known-differences.yaml");

  static KnownDifferences load() {
    try {
      JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(FILE));
      return new KnownDifferences(
          section(root, "outcomes"), section(root, "effects"), section(root, "schema"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static SortedMap<String, String> section(JsonNode root, String name) {
    SortedMap<String, String> out = new TreeMap<>();
    JsonNode node = root == null ? null : root.get(name);
    if (node != null && node.isObject()) {
      node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /**
   * Checks what a test found in one section against the file. With {@code
   * -Dconformance.record=true} it first rewrites that section: listed reasons are kept (their
   * {@value #OBSERVED} part, what Chronomesh answered, is refreshed from {@code found}), new
   * entries get the reason {@code found} derived, entries no longer found go. Then it fails on an
   * entry found but not listed (with its derived reason) and on one listed but no longer found.
   *
   * @param found key → reason derived from what was observed
   */
  static void check(String section, SortedMap<String, String> found, String what) {
    KnownDifferences known = load();
    SortedMap<String, String> listed = known.section(section);
    SortedMap<String, String> merged = new TreeMap<>();
    found.forEach((k, v) -> merged.put(k, listed.containsKey(k) ? refreshed(listed.get(k), v) : v));
    if (Boolean.getBoolean("conformance.record")) {
      known.with(section, merged).write();
    }
    assertThat(
            found.entrySet().stream()
                .filter(e -> !listed.containsKey(e.getKey()))
                .map(e -> e.getKey() + " (" + e.getValue() + ")")
                .toList())
        .as(what + ", not listed in known-differences.yaml (" + section + ")")
        .isEmpty();
    assertThat(listed.keySet().stream().filter(k -> !found.containsKey(k)).toList())
        .as("known-differences.yaml (" + section + ") lists entries that no longer differ")
        .isEmpty();
  }

  /** Where a reason's record of what Chronomesh answered starts. */
  static final String OBSERVED = " Chronomesh: ";

  /** How a test describes a refusal it found; the rest is what Chronomesh answered. */
  private static final String REFUSED = "refused: ";

  /**
   * A listed reason with its {@link #OBSERVED} part replaced by what the test found now (a refusal
   * as {@code refused: <violations>}, which {@code reasons.py} writes after {@link #OBSERVED}).
   */
  private static String refreshed(String listed, String found) {
    int at = listed.indexOf(OBSERVED);
    if (at < 0 || !found.startsWith(REFUSED)) {
      return listed;
    }
    return listed.substring(0, at) + OBSERVED + found.substring(REFUSED.length());
  }

  private SortedMap<String, String> section(String name) {
    return switch (name) {
      case "outcomes" -> outcomes;
      case "effects" -> effects;
      case "schema" -> schema;
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** This list with one section replaced, as written by {@link #write}. */
  KnownDifferences with(String section, Map<String, String> entries) {
    SortedMap<String, String> s = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    return switch (section) {
      case "outcomes" -> new KnownDifferences(s, effects, schema);
      case "effects" -> new KnownDifferences(outcomes, s, schema);
      case "schema" -> new KnownDifferences(outcomes, effects, s);
      default -> throw new IllegalArgumentException(section);
    };
  }

  /** Rewrites the file (sorted keys, one entry a line). */
  void write() {
    StringBuilder out = new StringBuilder();
    out.append("# Where Chronomesh knowingly differs from Kuma 2.14.3, and why. Read by\n");
    out.append(
        "# KumaConformanceTest and NothingAcceptedDoesNothingTest, which fail on a difference\n");
    out.append("# not listed here and on a listed one that no longer differs; the table in\n");
    out.append(
        "# docs/kuma-compatibility.md lists them. Keys: document ids (kuma/<type>/<name>.yaml),\n");
    out.append(
        "# '<id> <field path>' for a field without effect, '<Type> <schema path>' for schema gaps.\n");
    append(out, "outcomes", outcomes);
    append(out, "effects", effects);
    append(out, "schema", schema);
    try {
      Files.writeString(FILE, out.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void append(StringBuilder out, String name, SortedMap<String, String> entries) {
    out.append("\n").append(name).append(":");
    if (entries.isEmpty()) {
      out.append(" {}\n");
      return;
    }
    out.append("\n");
    entries.forEach(
        (k, v) -> out.append("  ").append(quote(k)).append(": ").append(quote(v)).append("\n"));
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
  }
}
