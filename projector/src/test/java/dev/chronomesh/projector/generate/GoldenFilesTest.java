package dev.chronomesh.projector.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.projector.generate.GoldenCases.Flavour;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: input YAML → Envoy config JSON per dataplane and flavour. Run with {@code
 * -Dgolden.update=true} to rewrite them; review the diff like code.
 */
class GoldenFilesTest {

  @TestFactory
  Stream<DynamicNode> everyCaseMatchesItsGoldenFiles() {
    return GoldenCases.cases().stream()
        .map(
            dir ->
                DynamicContainer.dynamicContainer(
                    dir.getFileName().toString(), tests(dir, GoldenCases.load(dir))));
  }

  private static Stream<DynamicNode> tests(Path dir, MeshResources resources) {
    MeshContext mesh = MeshContext.of(resources);
    List<DynamicNode> tests = new ArrayList<>();
    for (DataplaneResource dp : resources.dataplanes()) {
      for (Flavour flavour : Flavour.of(dp)) {
        Path file = GoldenCases.golden(dir, dp, flavour);
        tests.add(
            DynamicTest.dynamicTest(
                file.getFileName().toString(),
                () ->
                    GoldenCases.assertGolden(
                        file, GoldenCases.print(flavour.resources(mesh, dp)))));
      }
    }
    return tests.stream();
  }

  @Test
  void thereAreEnoughCasesAndNoStaleGoldenFiles() throws IOException {
    List<Path> cases = GoldenCases.cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(20);
    for (Path dir : cases) {
      MeshResources mesh = GoldenCases.load(dir);
      Set<Path> expected = new HashSet<>();
      expected.add(dir.resolve("input.yaml"));
      for (DataplaneResource dp : mesh.dataplanes()) {
        for (Flavour flavour : Flavour.of(dp)) {
          expected.add(GoldenCases.golden(dir, dp, flavour));
        }
      }
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.toList()).as(dir.toString()).containsExactlyInAnyOrderElementsOf(expected);
      }
    }
  }
}
