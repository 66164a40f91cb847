package dev.chronomesh.commandapi;

import dev.chronomesh.meshmodel.Command.Conditions;
import dev.chronomesh.meshmodel.Command.EntityTags;
import dev.chronomesh.meshmodel.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads If-Match and If-None-Match (RFC 9110 §13.1.1, §13.1.2) into the decider's {@link
 * Conditions}. A resource's ETag is {@code "<revision>"}, so each header's entity tags (§8.8.3)
 * come down to the revisions they can match; whether the resource has one of them now is for the
 * decider to say, against the state it writes on.
 *
 * <p>A well-formed tag that names no revision ({@code "bogus"}, {@code "03"}, {@code "0"}) matches
 * nothing, nor does a weak tag in If-Match, whose comparison is strong: a list of only such tags
 * fails with 412, as the RFC says of any tag that does not match. A value that is neither {@code *}
 * nor a list of entity tags (an unquoted {@code 3}, an unterminated quote, {@code *} inside a list,
 * a lower-case {@code w/}) is not a tag at all, so there is nothing to compare: it is answered 400
 * naming the header, which tells a client with such a bug what it sent. A list with no element
 * ({@code If-Match: ,}) is well-formed and names no tag.
 */
final class Preconditions {
  static final String IF_MATCH = "If-Match";
  static final String IF_NONE_MATCH = "If-None-Match";

  /**
   * One element of an entity-tag list with what separates it from the next (RFC 9110 §5.6.1,
   * §8.8.3): group 1 the weak prefix, group 2 the opaque text; both null for an empty element,
   * which a recipient ignores.
   */
  private static final Pattern STAR = Pattern.compile("[ \\t]*\\*[ \\t]*");

  private static final Pattern ELEMENT =
      Pattern.compile("[ \\t]*(?:(W/)?\"([\\x21\\x23-\\x7e\\x80-\\xff]*)\")?[ \\t]*(?:,|\\z)");

  /** The opaque text of a tag we give out: a revision in canonical decimal, at most a long. */
  private static final Pattern REVISION = Pattern.compile("[1-9][0-9]{0,18}");

  private Preconditions() {}

  /**
   * The conditions of the two headers' values (null: not sent; several field lines joined with
   * {@code ", "}).
   *
   * @throws ApiProblem 400 with one violation per malformed header
   */
  static Conditions parse(String ifMatch, String ifNoneMatch) {
    List<Violation> violations = new ArrayList<>();
    EntityTags match = ifMatch == null ? null : tags(IF_MATCH, ifMatch, false, violations);
    EntityTags noneMatch =
        ifNoneMatch == null ? null : tags(IF_NONE_MATCH, ifNoneMatch, true, violations);
    if (!violations.isEmpty()) {
      throw new ApiProblem(400, "invalid precondition header", violations);
    }
    return new Conditions(match, noneMatch);
  }

  /**
   * One header's tags; {@code weakMatches}: the header compares weakly (If-None-Match), so a weak
   * tag can match too.
   */
  private static EntityTags tags(
      String header, String value, boolean weakMatches, List<Violation> violations) {
    if (STAR.matcher(value).matches()) {
      return new EntityTags.Any();
    }
    List<Long> revisions = new ArrayList<>();
    Matcher element = ELEMENT.matcher(value);
    for (int at = 0; at < value.length(); at = element.end()) {
      if (!element.region(at, value.length()).lookingAt()) {
        violations.add(
            new Violation(
                header,
                "must be * or a list of entity tags (RFC 9110 §8.8.3), got "
                    + Requests.quote(value)
                    + ": "
                    + problemAt(value, at)));
        return null;
      }
      String opaque = element.group(2);
      boolean weak = element.group(1) != null;
      if (opaque != null && (weakMatches || !weak) && REVISION.matcher(opaque).matches()) {
        try {
          revisions.add(Long.parseLong(opaque));
        } catch (NumberFormatException beyondLong) {
          // nineteen digits past Long.MAX_VALUE: a tag no revision reaches, so it matches nothing
        }
      }
    }
    return new EntityTags.Revisions(revisions);
  }

  /** Why the list element at {@code at}, which {@link #ELEMENT} does not match, is not one. */
  private static String problemAt(String value, int at) {
    int start = skipWhitespace(value, at);
    int open = value.startsWith("W/", start) ? start + 2 : start;
    if (value.startsWith("*", start)) {
      return "* must stand alone, not in a list";
    }
    if (!value.startsWith("\"", open)) {
      return "an entity tag is quoted, as in \"3\" or W/\"3\", at character " + (start + 1);
    }
    int close = open + 1;
    while (close < value.length() && isTagChar(value.charAt(close))) {
      close++;
    }
    if (close == value.length()) {
      return "the quote at character " + (open + 1) + " is not closed";
    }
    if (value.charAt(close) != '"') {
      return String.format(
          "an entity tag cannot hold the character U+%04X at character %d",
          (int) value.charAt(close), close + 1);
    }
    return "expected a comma after the entity tag, at character "
        + (skipWhitespace(value, close + 1) + 1);
  }

  private static int skipWhitespace(String value, int i) {
    while (i < value.length() && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /** etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). */
  private static boolean isTagChar(char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
  }
}
