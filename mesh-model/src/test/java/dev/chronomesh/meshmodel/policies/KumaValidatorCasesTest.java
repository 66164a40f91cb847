package dev.chronomesh.meshmodel.policies;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the validator tests of Kuma v2.14.3 for MeshHTTPRoute, MeshTCPRoute,
 * MeshFaultInjection, MeshRateLimit, MeshProxyPatch, MeshTrafficPermission and MeshTLS ({@code
 * src/test/resources/kuma-validator/<type>/NN-valid|invalid.yaml}, each naming the case it comes
 * from): an invalid case is refused; a valid one is accepted, or refused only for what Chronomesh
 * does not support yet (MeshGateway, MeshService resources, matches on the caller's identity or on
 * the SNI). The exact messages of each fix are checked by the types' own tests.
 */
class KumaValidatorCasesTest {
  /**
   * Valid cases Chronomesh refuses on purpose, with the problem it reports: Envoy's HttpStatus
   * accepts only the codes of its StatusCode enum, so a rate-limit status such as 123 would be
   * refused (NACKed) by every proxy.
   */
  private static final Map<String, String> KNOWN_DIFFERENCES =
      Map.of(
          "meshratelimit/01-valid.yaml",
          "spec.from[0].default.local.http.onRateLimit.status: must be an HTTP status code Envoy"
              + " knows, such as 429, got 123",
          "meshratelimit/02-valid.yaml",
          "spec.from[0].default.local.http.onRateLimit.status: must be an HTTP status code Envoy"
              + " knows, such as 429, got 123");

  static Stream<String> cases() throws IOException, URISyntaxException {
    Path root = Path.of(KumaValidatorCasesTest.class.getResource("/kuma-validator").toURI());
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .map(p -> root.relativize(p).toString().replace('\\', '/'))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void kumasCaseIsDecidedAsKumaDecidesIt(String file) {
    String yaml = resource("/kuma-validator/" + file);
    String typeName = yaml.lines().filter(l -> l.startsWith("type: ")).findFirst().orElseThrow();
    PolicyType<?> type = Policies.byName(typeName.substring(6).trim()).orElseThrow();
    List<String> problems = problems(type, yaml);
    if (KNOWN_DIFFERENCES.containsKey(file)) {
      assertThat(problems).containsExactly(KNOWN_DIFFERENCES.get(file));
    } else if (file.endsWith("-invalid.yaml")) {
      assertThat(problems).as(yaml).isNotEmpty();
    } else {
      assertThat(problems)
          .as(yaml)
          .allSatisfy(p -> assertThat(p).contains(Violations.NOT_SUPPORTED_YET));
    }
  }
}
