package dev.chronomesh.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every Kuma-written document of the corpus (Kuma's docs examples and validator test cases, see
 * {@code extract.py}) goes through what {@code PUT} does in Chronomesh: valid ones must be
 * accepted, invalid ones refused, unless {@code known-differences.yaml} says why not. Also checks
 * that every property of Kuma's OpenAPI schema of a policy's confs is bound or declared not
 * supported yet, and that {@code docs/kuma-compatibility.md} is the table of today's figures.
 *
 * <p>{@code -Dconformance.update=true} rewrites the table; {@code -Dconformance.record=true} writes
 * the differences found to {@code known-differences.yaml} (new ones with a reason derived from the
 * outcome, to be reviewed; ones that no longer differ removed).
 */
class KumaConformanceTest {
  static final boolean UPDATE = Boolean.getBoolean("conformance.update");

  /** id → outcome of every document that is not excluded, in id order. */
  static final SortedMap<String, Outcome> OUTCOMES = outcomes();

  static final Map<String, KumaDocument> DOCUMENTS = documents();

  private static Map<String, KumaDocument> documents() {
    Map<String, KumaDocument> out = new LinkedHashMap<>();
    KumaDocument.all().forEach(d -> out.put(d.id(), d));
    return out;
  }

  private static SortedMap<String, Outcome> outcomes() {
    SortedMap<String, Outcome> out = new TreeMap<>();
    for (KumaDocument d : KumaDocument.all()) {
      if (d.excluded() == null) {
        out.put(d.id(), Outcome.of(d.type(), d.text()));
      }
    }
    return out;
  }

  /** Whether Chronomesh's outcome of a document differs from Kuma's. */
  static boolean differs(String id) {
    return DOCUMENTS.get(id).expectValid() != OUTCOMES.get(id).accepted();
  }

  @Test
  void everyKumaDocumentIsHandledAsKumaHandlesItOrItsDifferenceIsKnown() {
    SortedMap<String, String> found = new TreeMap<>();
    OUTCOMES.forEach(
        (id, outcome) -> {
          if (differs(id)) {
            found.put(id, describe(DOCUMENTS.get(id), outcome));
          }
        });
    KnownDifferences.check("outcomes", found, "outcomes that differ from Kuma's");
  }

  /** What happened, for a new entry of known-differences.yaml. */
  static String describe(KumaDocument doc, Outcome outcome) {
    if (outcome.accepted()) {
      String kuma =
          doc.kumaViolations().isEmpty() ? "" : ": " + String.join("; ", doc.kumaViolations());
      return "accepted, Kuma refuses it" + kuma;
    }
    return "refused: " + String.join("; ", outcome.problems());
  }

  @Test
  void everyPropertyOfKumasSchemaIsBoundOrDeclaredNotSupportedYet() {
    SortedMap<String, String> found = new TreeMap<>();
    for (PolicyType<?> type : Policies.all()) {
      for (String gap : SchemaCoverage.gaps(type)) {
        found.put(gap, "neither bound nor declared @JsonBinding.NotSupportedYet: unknown field");
      }
    }
    KnownDifferences.check(
        "schema",
        found,
        "properties of Kuma's schema that get 'unknown field' (bind or declare them)");
  }

  @Test
  void theCompatibilityTableIsUpToDate() throws IOException {
    String table = CompatibilityTable.render(DOCUMENTS, OUTCOMES, KnownDifferences.load());
    if (UPDATE) {
      Files.writeString(CompatibilityTable.FILE, table);
    }
    assertThat(CompatibilityTable.FILE).as("regenerate with -Dconformance.update=true").exists();
    assertThat(Files.readString(CompatibilityTable.FILE))
        .as("docs/kuma-compatibility.md is stale: regenerate with -Dconformance.update=true")
        .isEqualTo(table);
  }
}
