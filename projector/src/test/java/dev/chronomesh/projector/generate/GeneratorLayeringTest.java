package dev.chronomesh.projector.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generator is pure: its sources, the policy configurers included, import nothing from Kafka,
 * gRPC or HTTP, nor from the projector's topology (only its own packages).
 */
class GeneratorLayeringTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/chronomesh/projector/generate");
  private static final List<String> FORBIDDEN =
      List.of(
          "import org.apache.kafka",
          "import io.grpc",
          "import io.javalin",
          "import java.net",
          "import java.time.Clock",
          "import dev.chronomesh.projector.");

  @Test
  void generatorImportsOnlyTheModelAndEnvoyProtos() throws IOException {
    assertThat(SOURCES).isDirectory();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        List<String> imports =
            Files.readAllLines(file).stream().filter(l -> l.startsWith("import ")).toList();
        assertThat(imports)
            .as(file.toString())
            .noneMatch(
                l ->
                    FORBIDDEN.stream().anyMatch(l::startsWith)
                        && !l.startsWith("import dev.chronomesh.projector.generate."));
      }
    }
  }
}
