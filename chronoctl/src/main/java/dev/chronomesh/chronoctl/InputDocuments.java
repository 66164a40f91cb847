package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads the documents named by {@code apply -f}: files (multi-document YAML separated by {@code
 * ---}, or JSON), directories (their {@code *.yaml}, {@code *.yml} and {@code *.json} files, sorted
 * by name, not recursive) and stdin ({@code -}). Every unreadable source or document is collected
 * before anything is reported, so one run names every problem.
 */
final class InputDocuments {
  /** One document and where it came from ({@code file.yaml#2} is the second document). */
  record Document(String source, JsonNode body) {}

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  private InputDocuments() {}

  static List<Document> read(List<String> sources, InputStream stdin, List<String> problems) {
    List<Document> documents = new ArrayList<>();
    for (String source : sources) {
      if (source.equals("-")) {
        try {
          parse(
              "<stdin>",
              new String(stdin.readAllBytes(), StandardCharsets.UTF_8),
              false,
              documents,
              problems);
        } catch (IOException e) {
          problems.add("<stdin>: cannot read: " + e.getMessage());
        }
        continue;
      }
      Path path = Path.of(source);
      if (Files.isDirectory(path)) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(path)) {
          files = listing.filter(InputDocuments::isManifest).sorted().toList();
        } catch (IOException e) {
          problems.add(source + ": cannot list the directory: " + e.getMessage());
          continue;
        }
        if (files.isEmpty()) {
          problems.add(source + ": the directory holds no *.yaml, *.yml or *.json file");
        }
        files.forEach(f -> readFile(f, documents, problems));
      } else if (Files.isRegularFile(path)) {
        readFile(path, documents, problems);
      } else {
        problems.add(source + ": no such file or directory");
      }
    }
    return documents;
  }

  private static boolean isManifest(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(p)
        && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
  }

  private static void readFile(Path file, List<Document> documents, List<String> problems) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
      parse(file.toString(), text, json, documents, problems);
    } catch (IOException e) {
      problems.add(file + ": cannot read: " + e.getMessage());
    }
  }

  private static void parse(
      String source, String text, boolean json, List<Document> documents, List<String> problems) {
    ObjectMapper mapper = json ? JSON : YAML;
    int index = 0;
    try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        index++;
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue; // an empty document, e.g. a trailing ---
        }
        documents.add(new Document(source + "#" + index, doc));
      }
    } catch (JsonProcessingException e) {
      problems.add(
          source
              + ": not valid "
              + (json ? "JSON" : "YAML")
              + ": "
              + e.getOriginalMessage()
              + location(e));
    } catch (IOException | RuntimeException e) {
      problems.add(source + ": not valid " + (json ? "JSON" : "YAML") + ": " + e.getMessage());
    }
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }
}
