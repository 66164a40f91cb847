package dev.chronomesh.projector.generate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyConfigurersTest {
  @Test
  void everyRegisteredTypeHasItsConfigurerInKumasOrder() {
    List<PolicyType<?>> types = new ArrayList<>();
    PolicyConfigurers.all().forEach(c -> types.add(c.type()));
    assertThat(types).containsExactlyInAnyOrderElementsOf(Policies.all());
    assertThat(types).isSortedAccordingTo(Comparator.comparingInt(PolicyType::order));
  }

  @Test
  void aConfigurerLivesBesideItsModelPackage() {
    for (PolicyConfigurer<?> c : PolicyConfigurers.all()) {
      String model = c.type().confClass().getPackageName();
      assertThat(c.getClass().getName())
          .isEqualTo(
              "dev.chronomesh.projector.generate.policies"
                  + model.substring(model.lastIndexOf('.'))
                  + "."
                  + c.type().name()
                  + "Configurer");
      assertThat(PolicyConfigurers.of(c.type())).isSameAs(c);
    }
  }
}
