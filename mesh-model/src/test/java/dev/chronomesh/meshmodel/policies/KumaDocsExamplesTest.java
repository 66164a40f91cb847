package dev.chronomesh.meshmodel.policies;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policies.meshcircuitbreaker.MeshCircuitBreaker;
import dev.chronomesh.meshmodel.policies.meshhealthcheck.MeshHealthCheck;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The universal examples of Kuma's documentation pages of MeshRetry, MeshCircuitBreaker,
 * MeshHealthCheck, MeshLoadBalancingStrategy and MeshTimeout (all versions,
 * src/test/resources/kuma-docs/&lt;type&gt;): accepted, or refused for a reason written down.
 */
class KumaDocsExamplesTest {
  /**
   * Accepted, including Kuma 2.9+'s form with a MeshService port ({@code sectionName} in {@code
   * to}), which applies to outbounds written with tags whatever the port, as Kuma's tag rules do.
   */
  static Stream<Arguments> accepted() {
    return Stream.of(
            examples(MeshRetry.TYPE, 1, 2, 3, 4, 5, 7, 8, 9),
            examples(MeshCircuitBreaker.TYPE, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
            examples(MeshHealthCheck.TYPE, 1, 2, 3, 4, 5, 6, 7, 8, 9),
            examples(MeshLoadBalancingStrategy.TYPE, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11),
            examples(MeshTimeout.TYPE, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13))
        .flatMap(s -> s);
  }

  /** Examples with crossZone or MeshMultiZoneService. */
  static Stream<Arguments> notSupportedYet() {
    return Stream.of(examples(MeshLoadBalancingStrategy.TYPE, 5, 12, 13, 14, 15)).flatMap(s -> s);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("accepted")
  void isAccepted(PolicyType<?> type, String file) {
    assertThat(problems(type, resource(file))).isEmpty();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("notSupportedYet")
  void isRefusedAsNotSupportedYet(PolicyType<?> type, String file) {
    assertThat(problems(type, resource(file)))
        .isNotEmpty()
        .allMatch(p -> p.contains(Violations.NOT_SUPPORTED_YET));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fractionalStandardDeviationFactor")
  void aFractionalNumberIsRefusedWhereKumasSchemaSaysIntegerOrString(
      PolicyType<?> type, String file) {
    // rest.yaml: standardDeviationFactor is anyOf integer, string; these examples write 1.9, which
    // Kuma's REST path refuses too (its int-or-string does not read a fractional number). "1.9"
    // (example 06) is accepted.
    assertThat(problems(type, resource(file)))
        .singleElement()
        .asString()
        .endsWith("standardDeviationFactor: must be a string or an integer");
  }

  static Stream<Arguments> fractionalStandardDeviationFactor() {
    return examples(MeshCircuitBreaker.TYPE, 11, 12, 13);
  }

  private static Stream<Arguments> examples(PolicyType<?> type, int... numbers) {
    String dir = "/kuma-docs/" + type.name().toLowerCase(java.util.Locale.ROOT) + "/";
    return java.util.Arrays.stream(numbers)
        .mapToObj(n -> Arguments.of(type, dir + String.format("%02d.yaml", n)));
  }
}
