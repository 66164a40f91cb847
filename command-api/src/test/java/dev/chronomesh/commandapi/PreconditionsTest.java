package dev.chronomesh.commandapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.chronomesh.meshmodel.Command.Conditions;
import dev.chronomesh.meshmodel.Command.EntityTags;
import dev.chronomesh.meshmodel.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PreconditionsTest {

  @Test
  void noHeadersAreNoConditions() {
    assertThat(Preconditions.parse(null, null)).isEqualTo(Conditions.NONE);
  }

  @Test
  void ifMatchOfOneTagExpectsItsRevision() {
    assertThat(ifMatch("\"3\"")).isEqualTo(revisions(3L));
  }

  @Test
  void ifMatchStarExpectsAnyExistingResource() {
    assertThat(ifMatch("*")).isEqualTo(new EntityTags.Any());
    assertThat(ifMatch(" \t* ")).isEqualTo(new EntityTags.Any());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"3\", \"4\"",
        "\"3\",\"4\"",
        "  \"4\" ,\t\"3\"  ",
        ", \"3\",, \"4\" ,",
        "\"4\", \"3\", \"4\"",
      })
  void ifMatchListsExpectAnyOfTheirRevisions(String value) {
    assertThat(ifMatch(value)).isEqualTo(revisions(3L, 4L));
  }

  @Test
  void weakTagsNeverMatchIfMatch() {
    assertThat(ifMatch("W/\"3\"")).isEqualTo(revisions());
    assertThat(ifMatch("W/\"3\", \"4\"")).isEqualTo(revisions(4L));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"bogus-revision\"",
        "\"03\"",
        "\"0\"",
        "\"-1\"",
        "\"+3\"",
        "\"99999999999999999999\"",
        "\"\"",
        "\"3,4\"",
        "\"caf\u00e9\"",
        "W/\"x\"",
        "",
        ",",
      })
  void wellFormedTagsThatNameNoRevisionMatchNothing(String value) {
    assertThat(ifMatch(value)).isEqualTo(revisions());
  }

  @Test
  void ifNoneMatchStarIsCreateOnly() {
    assertThat(Preconditions.parse(null, "*")).isEqualTo(Conditions.createOnly());
  }

  @Test
  void ifNoneMatchComparesWeakly() {
    assertThat(ifNoneMatch("\"3\"")).isEqualTo(revisions(3L));
    assertThat(ifNoneMatch("W/\"3\"")).isEqualTo(revisions(3L));
    assertThat(ifNoneMatch("W/\"3\", \"5\" , \"bogus\"")).isEqualTo(revisions(3L, 5L));
  }

  @Test
  void ifNoneMatchNamingNoRevisionIsNoCondition() {
    assertThat(Preconditions.parse(null, "\"bogus\", W/\"x\"")).isEqualTo(Conditions.NONE);
  }

  @Test
  void bothHeadersGoTogether() {
    assertThat(Preconditions.parse("\"3\"", "W/\"2\""))
        .isEqualTo(new Conditions(revisions(3L), revisions(2L)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "3",
        "abc",
        "\"3",
        "\"3\", \"4",
        "W/3",
        "w/\"3\"",
        "W/",
        "*, \"3\"",
        "\"3\", *",
        "\"3\" \"4\"",
        "\"3\"x",
        "\"a b\"",
        "\"a\tb\"",
        "'3'",
      })
  void malformedIfMatchIsA400NamingTheHeader(String value) {
    ApiProblem problem = malformed(value, null);

    assertThat(problem.status()).isEqualTo(400);
    assertThat(problem.violations()).extracting(Violation::field).containsExactly("If-Match");
  }

  @Test
  void malformedHeadersAreAllReportedWithWhatIsWrong() {
    ApiProblem problem = malformed("3", "\"open");

    assertThat(problem.violations())
        .containsExactly(
            new Violation(
                "If-Match",
                "must be * or a list of entity tags (RFC 9110 §8.8.3), got \"3\": an entity tag"
                    + " is quoted, as in \"3\" or W/\"3\", at character 1"),
            new Violation(
                "If-None-Match",
                "must be * or a list of entity tags (RFC 9110 §8.8.3), got \"\"open\": the quote"
                    + " at character 1 is not closed"));
  }

  @Test
  void saysWhichCharacterCannotBeInATag() {
    assertThat(malformed("\"a b\"", null).violations().get(0).reason())
        .endsWith("an entity tag cannot hold the character U+0020 at character 3");
    assertThat(malformed("\"3\", *", null).violations().get(0).reason())
        .endsWith("* must stand alone, not in a list");
    assertThat(malformed("\"3\" \"4\"", null).violations().get(0).reason())
        .endsWith("expected a comma after the entity tag, at character 5");
  }

  private static EntityTags ifMatch(String value) {
    Conditions conditions = Preconditions.parse(value, null);
    assertThat(conditions.ifNoneMatch()).isNull();
    return conditions.ifMatch();
  }

  private static EntityTags ifNoneMatch(String value) {
    Conditions conditions = Preconditions.parse(null, value);
    assertThat(conditions.ifMatch()).isNull();
    return conditions.ifNoneMatch();
  }

  private static EntityTags revisions(Long... revisions) {
    return new EntityTags.Revisions(List.of(revisions));
  }

  private static ApiProblem malformed(String ifMatch, String ifNoneMatch) {
    return catchThrowableOfType(ApiProblem.class, () -> Preconditions.parse(ifMatch, ifNoneMatch));
  }
}
