package dev.chronomesh.meshmodel.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The policy index of {@code docs/policies.md} is derived from {@link Policies#all()}: this test
 * renders it and compares; {@code -Ddocs.update=true} rewrites it. Every type has its own page.
 */
class PolicyDocsIndexTest {
  private static final Path DOCS = Path.of("../docs");
  private static final Path INDEX = DOCS.resolve("policies.md");
  private static final String START = "<!-- policy-index:start";
  private static final String END = "<!-- policy-index:end -->";

  static String render() {
    StringBuilder out = new StringBuilder();
    out.append("| Type | REST path | Sections | to / from kinds | Kuma order | What it does |\n");
    out.append("|---|---|---|---|---|---|\n");
    for (PolicyType<?> type : Policies.all()) {
      String page = "policies/" + type.name().toLowerCase(Locale.ROOT) + ".md";
      String sections =
          List.of(Section.values()).stream()
              .filter(s -> type.sections().contains(s))
              .map(Section::field)
              .collect(Collectors.joining(", "));
      String kinds =
          (type.sections().contains(Section.TO) ? kinds(type.toKinds()) : "-")
              + " / "
              + (type.sections().contains(Section.FROM) ? kinds(type.fromKinds()) : "-");
      out.append("| [")
          .append(type.name())
          .append("](")
          .append(page)
          .append(") | `")
          .append(type.plural())
          .append("` | ")
          .append(sections)
          .append(" | ")
          .append(kinds)
          .append(" | ")
          .append(type.order())
          .append(" | ")
          .append(type.summary())
          .append(" |\n");
    }
    return out.toString();
  }

  private static String kinds(Set<TargetRef.Kind> kinds) {
    return kinds.stream().map(TargetRef.Kind::wireName).sorted().collect(Collectors.joining(", "));
  }

  @Test
  void theIndexListsEveryRegisteredType() throws IOException {
    String doc = Files.readString(INDEX);
    int start = doc.indexOf(START);
    int end = doc.indexOf(END);
    assertThat(start).as("the index's start marker in " + INDEX).isNotNegative();
    assertThat(end).as("the index's end marker in " + INDEX).isGreaterThan(start);
    int body = doc.indexOf('\n', start) + 1;
    String expected = render();
    if (Boolean.getBoolean("docs.update")) {
      Files.writeString(INDEX, doc.substring(0, body) + expected + doc.substring(end));
      doc = Files.readString(INDEX);
      end = doc.indexOf(END);
    }
    assertThat(doc.substring(body, end))
        .as("docs/policies.md index (regenerate with -Ddocs.update=true)")
        .isEqualTo(expected);
  }

  @Test
  void everyTypeHasItsPage() {
    for (PolicyType<?> type : Policies.all()) {
      assertThat(DOCS.resolve("policies/" + type.name().toLowerCase(Locale.ROOT) + ".md"))
          .as(type.name())
          .exists();
    }
  }
}
