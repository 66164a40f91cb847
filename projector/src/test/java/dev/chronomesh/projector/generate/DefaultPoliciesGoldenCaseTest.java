package dev.chronomesh.projector.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.meshmodel.DefaultMeshPolicies;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.ResourceType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Golden case 84 shows the config of a mesh with Kuma's default policies: its policy documents must
 * be exactly what the decider writes with a new mesh ({@link DefaultMeshPolicies}).
 */
class DefaultPoliciesGoldenCaseTest {
  @Test
  void goldenCase84HoldsTheDefaultPoliciesTheDeciderWrites() throws Exception {
    String text = Files.readString(GoldenCases.ROOT.resolve("84-mesh-default-policies/input.yaml"));
    List<SpecificRecord> inCase = new ArrayList<>();
    for (String doc : text.split("(?m)^---\\s*$")) {
      String type = doc.lines().filter(l -> l.startsWith("type: ")).findFirst().orElseThrow();
      String name = type.substring("type: ".length()).strip();
      if (!doc.contains("-all-default\n")) {
        continue; // the mesh, its dataplanes, the gateway and its route
      }
      inCase.add(
          ResourceType.byName(name)
              .orElseThrow()
              .parse(doc.getBytes(StandardCharsets.UTF_8), Format.YAML, null, null));
    }

    List<SpecificRecord> written =
        DefaultMeshPolicies.of(MeshResource.newBuilder().setName("default").build()).stream()
            .map(DefaultMeshPolicies.Policy::payload)
            .toList();

    assertThat(inCase).containsExactlyElementsOf(written);
  }
}
