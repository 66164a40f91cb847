package dev.chronomesh.meshmodel.meshidentity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A MeshIdentity's SPIFFE ID template ({@code spiffeID.trustDomain}, {@code spiffeID.path}): the
 * subset of Go's {@code text/template} that Kuma 2.14's templates use ({@code
 * pkg/core/resources/apis/meshidentity/api/v1alpha1/helpers.go}): text, {@code {{ .Field }}} and
 * {@code {{ label "key" }}}. Anything else Go would accept (pipelines into built-in functions,
 * {@code if}, trim markers, ...) is refused as not supported, never rendered differently; what Go
 * refuses gets Go's message, as Kuma's validator reports it ("couldn't parse template: ...").
 */
public final class SpiffeTemplate {
  private static final Pattern ACTION = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
  private static final Pattern FIELD = Pattern.compile("\\s*\\.([A-Za-z_][A-Za-z0-9_]*)\\s*");
  private static final Pattern LABEL = Pattern.compile("\\s*label\\s+\"([^\"\\\\]*)\"\\s*");
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Go's template built-ins: a pipeline into one of them parses in Go (so Kuma accepts it). */
  private static final Set<String> GO_FUNCTIONS =
      Set.of(
          "and",
          "call",
          "html",
          "index",
          "slice",
          "js",
          "len",
          "not",
          "or",
          "print",
          "printf",
          "println",
          "urlquery",
          "eq",
          "ge",
          "gt",
          "le",
          "lt",
          "ne",
          "label");

  private final String text;
  private final List<Part> parts;

  private sealed interface Part {}

  private record Text(String text) implements Part {}

  private record Field(String name) implements Part {}

  private record Label(String key) implements Part {}

  private SpiffeTemplate(String text, List<Part> parts) {
    this.text = text;
    this.parts = List.copyOf(parts);
  }

  /** Why a template cannot be used: Kuma's message, or Chronomesh's refusal. */
  public record Problem(String message, boolean notSupported) {}

  /** The parse of {@code text}: a template, or its problem. */
  public sealed interface Parsed {}

  public record Valid(SpiffeTemplate template) implements Parsed {}

  public record Invalid(Problem problem) implements Parsed {}

  /**
   * Parses {@code text}, whose actions may name the fields {@code fields} (e.g. {@code Mesh},
   * {@code Zone}) and call {@code label}.
   */
  public static Parsed parse(String text, Set<String> fields) {
    List<Part> parts = new ArrayList<>();
    Matcher m = ACTION.matcher(text);
    int at = 0;
    while (m.find()) {
      if (m.start() > at) {
        parts.add(new Text(text.substring(at, m.start())));
      }
      String action = m.group(1);
      Matcher field = FIELD.matcher(action);
      Matcher label = LABEL.matcher(action);
      if (field.matches()) {
        if (!fields.contains(field.group(1))) {
          return unsupported(
              "{{ ." + field.group(1) + " }} (the fields are " + describe(fields) + ")");
        }
        parts.add(new Field(field.group(1)));
      } else if (label.matches()) {
        parts.add(new Label(label.group(1)));
      } else {
        Problem goError = goParseError(action);
        return new Invalid(
            goError != null
                ? goError
                : new Problem(
                    "the template action {{"
                        + action
                        + "}}; only {{ .Field }} and {{ label \"key\" }} are",
                    true));
      }
      at = m.end();
    }
    String rest = text.substring(at);
    if (rest.contains("{{")) {
      return new Invalid(
          new Problem("couldn't parse template: template: :1: unclosed action", false));
    }
    if (!rest.isEmpty()) {
      parts.add(new Text(rest));
    }
    return new Valid(new SpiffeTemplate(text, parts));
  }

  /** Go's parse error for the pipelines Kuma's tests show; null for what Go would parse. */
  private static Problem goParseError(String action) {
    String[] stages = action.split("\\|", -1);
    for (int i = 1; i < stages.length; i++) {
      String command = stages[i].strip().split("\\s+")[0];
      if (!IDENT.matcher(command).matches()) {
        return new Problem(
            "couldn't parse template: template: :1: non executable command in pipeline stage "
                + (i + 1),
            false);
      }
      if (!GO_FUNCTIONS.contains(command)) {
        return new Problem(
            "couldn't parse template: template: :1: function \"" + command + "\" not defined",
            false);
      }
    }
    return null;
  }

  private static Invalid unsupported(String what) {
    return new Invalid(new Problem(what, true));
  }

  private static String describe(Set<String> fields) {
    return String.join(", ", fields.stream().sorted().map(f -> "." + f).toList());
  }

  /** Whether the template reads {@code label} or field {@code field}. */
  public boolean uses(String field) {
    return parts.stream().anyMatch(p -> p instanceof Field f && f.name().equals(field));
  }

  /**
   * The text with every action replaced: a field by {@code fields}' value, {@code label "k"} by
   * {@code labels}' value of {@code k}.
   *
   * @throws IllegalArgumentException "label k not found" (Kuma's message) when a label is missing
   */
  public String render(Map<String, String> fields, Map<String, String> labels) {
    StringBuilder out = new StringBuilder();
    for (Part part : parts) {
      switch (part) {
        case Text t -> out.append(t.text());
        case Field f -> out.append(Objects.requireNonNull(fields.get(f.name()), f.name()));
        case Label l -> {
          String value = labels.get(l.key());
          if (value == null) {
            throw new IllegalArgumentException("label " + l.key() + " not found");
          }
          out.append(value);
        }
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return text;
  }
}
