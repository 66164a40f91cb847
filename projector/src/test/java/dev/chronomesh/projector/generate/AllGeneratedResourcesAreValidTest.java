package dev.chronomesh.projector.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.envoy.EnvoyValidateRules;
import dev.chronomesh.projector.generate.GoldenCases.Flavour;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every resource of every golden case, both flavours, satisfies Envoy's validate.rules. */
class AllGeneratedResourcesAreValidTest {
  @Test
  void everyGeneratedResourceSatisfiesEnvoysFieldRules() {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (Path dir : GoldenCases.cases()) {
      MeshResources resources = GoldenCases.load(dir);
      MeshContext mesh = MeshContext.of(resources);
      for (DataplaneResource dp : resources.dataplanes()) {
        for (Flavour flavour : Flavour.of(dp)) {
          for (GeneratedResource r : flavour.resources(mesh, dp)) {
            checked++;
            for (EnvoyValidateRules.Violation v :
                EnvoyValidateRules.check(GoldenCases.parse(r), GoldenCases.REGISTRY)) {
              problems.add(
                  dir.getFileName()
                      + " "
                      + dp.getName()
                      + " "
                      + flavour
                      + " "
                      + r.name()
                      + ": "
                      + v);
            }
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(200);
    assertThat(problems).isEmpty();
  }
}
