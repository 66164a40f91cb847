package dev.chronomesh.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ProxyStatusEvent;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.CompatibilityLevel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/**
 * The compatibility gate: the current generated schema of every released type must read data
 * written with every released version of it (BACKWARD_TRANSITIVE). Released versions live in {@code
 * src/main/released/<full name>/v<N>.avsc}.
 */
class ReleasedSchemasCompatibilityTest {
  private static final Path RELEASED = Path.of("src/main/released");
  private static final Pattern VERSION_FILE = Pattern.compile("v([1-9][0-9]*)\\.avsc");

  /** The types written to topics: each must have at least one released version. */
  private static final List<Schema> TOPIC_VALUES =
      List.of(
          ResourceEvent.getClassSchema(),
          ProxyConfig.getClassSchema(),
          ClusterEndpoints.getClassSchema(),
          ProxyStatusEvent.getClassSchema());

  @Test
  void everyTopicValueTypeHasAReleasedVersion() {
    for (Schema schema : TOPIC_VALUES) {
      assertThat(released(schema.getFullName()))
          .as("released versions of %s", schema.getFullName())
          .isNotEmpty();
    }
  }

  @Test
  void currentSchemasReadDataWrittenWithEveryReleasedVersion() throws IOException {
    List<String> problems = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(RELEASED)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        String fullName = dir.getFileName().toString();
        Schema current = currentSchema(fullName);
        if (current == null) {
          problems.add(fullName + ": released but no longer generated (removed or renamed)");
          continue;
        }
        released(fullName)
            .forEach(
                (version, old) ->
                    incompatibilities(current, old).stream()
                        .map(p -> fullName + " cannot read v" + version + ": " + p)
                        .forEach(problems::add));
      }
    }
    assertThat(problems).as("incompatibilities with released schemas").isEmpty();
  }

  @Test
  void releasedFilesAreNamedByVersionAndHoldTheirType() throws IOException {
    List<String> problems = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(RELEASED)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.toList()) {
            String name = file.getFileName().toString();
            if (!VERSION_FILE.matcher(name).matches()) {
              problems.add(file + ": not named v<N>.avsc");
            }
          }
        }
        Map<Integer, Schema> versions = released(dir.getFileName().toString());
        int expected = 1;
        for (Map.Entry<Integer, Schema> e : versions.entrySet()) {
          if (e.getKey() != expected++) {
            problems.add(dir + ": versions must be numbered 1, 2, 3... without gaps");
            break;
          }
          if (!e.getValue().getFullName().equals(dir.getFileName().toString())) {
            problems.add(dir + "/v" + e.getKey() + ".avsc holds " + e.getValue().getFullName());
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theGateCatchesANewFieldWithoutDefault() {
    Schema current = ResourceEvent.getClassSchema();
    Schema broken =
        new Schema.Parser()
            .parse(
                current
                    .toString()
                    .replaceFirst(
                        "\"fields\":\\[",
                        "\"fields\":[{\"name\":\"tenant\",\"type\":\"string\"},"));

    List<String> problems =
        incompatibilities(broken, released("dev.chronomesh.events.avro.ResourceEvent").get(1));

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0)).contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("tenant");
  }

  @Test
  void theGateCatchesAFieldTypeChange() {
    Schema old = ProxyConfig.getClassSchema();
    String mesh =
        "{\"name\":\"mesh\",\"type\":{\"type\":\"string\",\"avro.java.string\":\"String\"}}";
    assertThat(old.toString()).contains(mesh);
    Schema changed =
        new Schema.Parser()
            .parse(old.toString().replace(mesh, "{\"name\":\"mesh\",\"type\":\"int\"}"));

    assertThat(incompatibilities(changed, old))
        .anySatisfy(p -> assertThat(p).contains("TYPE_MISMATCH").contains("mesh"));
  }

  /** Every reason why {@code reader} cannot read data written with {@code writer}. */
  static List<String> incompatibilities(Schema reader, Schema writer) {
    return CompatibilityLevel.incompatibilities(reader, writer);
  }

  /** The released versions of a type, by version number (empty when none). */
  static Map<Integer, Schema> released(String fullName) {
    Map<Integer, Schema> out = new TreeMap<>();
    Path dir = RELEASED.resolve(fullName);
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
        Matcher m = VERSION_FILE.matcher(file.getFileName().toString());
        if (m.matches()) {
          out.put(Integer.parseInt(m.group(1)), new Schema.Parser().parse(file.toFile()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static Schema currentSchema(String fullName) {
    try {
      return SpecificData.get().getSchema(Class.forName(fullName));
    } catch (ClassNotFoundException e) {
      return null;
    }
  }
}
