package dev.chronomesh.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One Kuma-written document of the corpus ({@code src/test/resources/kuma/<type>/<name>.yaml},
 * written by {@code extract.py}): its text and what its header comments say about it.
 *
 * @param id {@code <type dir>/<file name without .yaml>}, stable across re-extractions
 * @param type the Kuma type name
 * @param expectValid whether Kuma's REST path accepts it ({@code # expect: valid})
 * @param excluded why it is kept out of the measure, or null ({@code # excluded: ...})
 * @param origins where it came from, one line each
 * @param kumaViolations Kuma's expected violations of an invalid test case
 */
record KumaDocument(
    String id,
    String type,
    String text,
    boolean expectValid,
    String excluded,
    List<String> origins,
    List<String> kumaViolations) {
  static final Path ROOT = Path.of("src/test/resources/kuma");

  KumaDocument {
    origins = List.copyOf(origins);
    kumaViolations = List.copyOf(kumaViolations);
  }

  /** Every document of the corpus, sorted by id. */
  static List<KumaDocument> all() {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .filter(p -> !p.getParent().getFileName().toString().equals("schemas"))
          .sorted()
          .map(KumaDocument::read)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KumaDocument read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String name = file.getFileName().toString().replaceFirst("\\.yaml$", "");
    String id = file.getParent().getFileName() + "/" + name;
    String type = null;
    Boolean valid = null;
    String excluded = null;
    List<String> origins = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("type: ")) {
        type = line.substring("type: ".length()).trim();
      }
      if (!line.startsWith("# ")) {
        continue;
      }
      String c = line.substring(2);
      if (c.startsWith("expect: ")) {
        valid = c.equals("expect: valid");
      } else if (c.startsWith("excluded: ")) {
        excluded = c.substring("excluded: ".length());
      } else if (c.startsWith("kuma-violation: ")
          || c.startsWith("rest-schema: ")
          || c.startsWith("kuma-refuses: ")) {
        violations.add(c);
      } else if (c.startsWith("From ")) {
        origins.add(c);
      }
    }
    if (type == null || valid == null || origins.isEmpty()) {
      throw new IllegalStateException(file + ": no type, expectation or origin (run extract.py)");
    }
    return new KumaDocument(id, type, text, valid, excluded, origins, violations);
  }
}
