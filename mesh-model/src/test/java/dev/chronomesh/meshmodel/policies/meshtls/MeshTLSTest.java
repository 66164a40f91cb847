package dev.chronomesh.meshmodel.policies.meshtls;

import static dev.chronomesh.meshmodel.policies.PolicyDocuments.meshPolicy;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.problems;
import static dev.chronomesh.meshmodel.policies.PolicyDocuments.resource;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MeshTLS documents as Kuma 2.14's validator reads them ({@code
 * pkg/plugins/policies/meshtls/api/v1alpha1/validator_test.go}, the cases in
 * src/test/resources/kuma-validator/meshtls), with Kuma's messages and paths; an unknown value is
 * named with the project's {@code must be one of} wording, and a from item's kind with the
 * engine's.
 */
class MeshTLSTest {
  private static final String CIPHERS =
      "ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES256-GCM-SHA384,"
          + " ECDHE-ECDSA-CHACHA20-POLY1305, ECDHE-RSA-AES128-GCM-SHA256,"
          + " ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-CHACHA20-POLY1305";
  private static final String VERSIONS = "TLS10, TLS11, TLS12, TLS13, TLSAuto";

  private static String tls(String sections) {
    return meshPolicy(MeshTLS.TYPE, sections);
  }

  private static String kumaCase(String file) {
    return resource("/kuma-validator/meshtls/" + file);
  }

  @Test
  void acceptsKumasFullExamplesWithAndWithoutTopLevelTargetRef() {
    assertThat(problems(MeshTLS.TYPE, kumaCase("01-valid.yaml"))).isEmpty();
    assertThat(problems(MeshTLS.TYPE, kumaCase("04-valid.yaml"))).isEmpty();
  }

  @Test
  void refusesKumasFullFailingExampleWithEveryViolation() {
    assertThat(problems(MeshTLS.TYPE, kumaCase("02-invalid.yaml")))
        .containsExactly(
            "spec.from[0].targetRef: name or labels must be set when kind is MeshHTTPRoute",
            "spec.from[0].targetRef.kind: must be Mesh, MeshSubset, MeshService or"
                + " MeshServiceSubset in 'from', got MeshHTTPRoute",
            "spec.from[1].default.mode: must be one of Permissive, Strict, got NotExistingMode",
            "spec.from[1].default.tlsCiphers: must be one of "
                + CIPHERS
                + ", got NotExistingCipher",
            "spec.from[1].default.tlsVersion.min: must be one of " + VERSIONS + ", got TLS15",
            "spec.from[1].default.tlsVersion.max: must be one of " + VERSIONS + ", got TLS16");
  }

  @Test
  void versionsAndCiphersNeedTheWholeMeshAsTopLevelTargetRef() {
    String only =
        "tlsCiphers can only be defined with top level targetRef kind: Mesh|"
            + "tlsVersion can only be defined with top level targetRef kind: Mesh";
    for (String file : new String[] {"03-invalid.yaml", "07-invalid.yaml"}) {
      assertThat(problems(MeshTLS.TYPE, kumaCase(file)))
          .containsExactly(
              "spec.from[0].default.tlsCiphers: " + only.split("\\|")[0],
              "spec.from[0].default.tlsVersion: " + only.split("\\|")[1]);
    }
  }

  @Test
  void refusesFromAndRulesTogether() {
    assertThat(problems(MeshTLS.TYPE, kumaCase("06-invalid.yaml")))
        .contains("spec.rules: must not be combined with 'to' or 'from'")
        .contains(
            "spec.rules[0].default.tlsCiphers: tlsCiphers can only be defined with top level"
                + " targetRef kind: Mesh");
  }

  @Test
  void refusesASectionNameWithoutInboundConfs() {
    assertThat(problems(MeshTLS.TYPE, kumaCase("05-invalid.yaml"))).isNotEmpty();
  }

  @Test
  void minMustNotExceedMaxButTlsAutoIsEitherEnd() {
    assertThat(
            problems(
                MeshTLS.TYPE, tls("rules: [{default: {tlsVersion: {min: TLS13, max: TLS12}}}]")))
        .containsExactly(
            "spec.rules[0].default.tlsVersion.min: min version must be lower than max");
    assertThat(
            problems(
                MeshTLS.TYPE, tls("rules: [{default: {tlsVersion: {min: TLS13, max: TLSAuto}}}]")))
        .isEmpty();
    assertThat(
            problems(
                MeshTLS.TYPE, tls("rules: [{default: {tlsVersion: {min: TLS12, max: TLS12}}}]")))
        .isEmpty();
  }

  @Test
  void bothModesAreAccepted() {
    assertThat(problems(MeshTLS.TYPE, tls("rules: [{default: {mode: Strict}}]"))).isEmpty();
    assertThat(
            problems(
                MeshTLS.TYPE,
                tls("from: [{targetRef: {kind: Mesh}, default: {mode: Permissive}}]")))
        .isEmpty();
  }

  @Test
  void aDataplaneOrSubsetMayOnlySetTheMode() {
    String doc =
        """
        type: MeshTLS
        mesh: default
        name: p
        spec:
          targetRef: {kind: Dataplane, labels: {app: demo}}
          rules: [{default: {mode: Strict}}]
        """;
    assertThat(problems(MeshTLS.TYPE, doc)).isEmpty();
  }

  @Test
  void refusesTopLevelKindsKumaDoesNotSupport() {
    String doc =
        """
        type: MeshTLS
        mesh: default
        name: p
        spec:
          targetRef: {kind: MeshService, name: backend}
          rules: [{default: {mode: Strict}}]
        """;
    assertThat(problems(MeshTLS.TYPE, doc))
        .containsExactly("spec.targetRef.kind: value 'MeshService' is not supported");
  }

  @Test
  void fromItemsSelectOnlyTheWholeMesh() {
    assertThat(
            problems(
                MeshTLS.TYPE,
                tls(
                    "from: [{targetRef: {kind: MeshService, name: web}, default: {mode: Strict}}]")))
        .containsExactly("spec.from[0].targetRef.kind: must be Mesh in 'from', got MeshService");
  }
}
