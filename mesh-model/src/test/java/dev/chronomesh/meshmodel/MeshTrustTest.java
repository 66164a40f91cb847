package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.meshtrust.MeshTrust;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The MeshTrust resource type: Kuma 2.14's REST schema and validator (the cases of {@code
 * pkg/core/resources/apis/meshtrust/api/v1alpha1/testdata/spec}), its storage and reading.
 */
class MeshTrustTest {
  static final String CA = resource("/meshtrust/partner-ca.pem");

  @Test
  void aValidMeshTrustIsStoredAndRenderedAsWritten() throws Exception {
    PolicyResource stored = (PolicyResource) parse(document("partner.example", CA));
    MeshTrust trust = MeshTrust.of(stored).orElseThrow();
    assertThat(trust.name()).isEqualTo("partner");
    assertThat(trust.trustDomain()).isEqualTo("partner.example");
    assertThat(trust.caBundles()).containsExactly(CA);
    var rendered = ResourceType.MESH_TRUST.render(stored, null, null);
    assertThat(rendered.path("spec").path("caBundles").get(0).path("pem").path("value").asText())
        .isEqualTo(CA);
    assertThat(rendered.path("spec").path("trustDomain").asText()).isEqualTo("partner.example");
    assertThat(ResourceType.byPlural("meshtrusts")).contains(ResourceType.MESH_TRUST);
    assertThat(ResourceType.byCliName("mtrust")).contains(ResourceType.MESH_TRUST);
  }

  @Test
  void kumasFullInvalidCaseGetsKumasViolations() {
    // testdata/spec/full-invalid: a trust domain of 259 characters, a value that is no PEM, a
    // bundle without pem (its origin is refused here on its own, see below).
    String longDomain = "default.zone-1.mesh.local" + "l".repeat(234);
    assertThat(
            violations(
                """
                type: MeshTrust
                name: test
                mesh: default
                spec:
                  trustDomain: "%s"
                  caBundles:
                    - type: Pem
                      pem: {value: adfadfafadf}
                    - type: Pem
                """
                    .formatted(longDomain)))
        .containsExactly(
            "spec.caBundles[0].pem.value: provided certificate has incorrect format",
            "spec.caBundles[1].pem: must be defined",
            "spec.trustDomain: must not be longer than 253 characters");
  }

  @Test
  void theSchemaIsCheckedBeforeTheValidator() {
    assertThat(
            violations(
                """
                type: MeshTrust
                name: test
                mesh: default
                spec:
                  trustDomain: 7
                  caBundles:
                    - {type: Der, pem: {value: x}}
                    - {pem: {}}
                    - {type: Pem, pem: {value: x}, extra: 1}
                  origin: {kri: test}
                """))
        .containsExactlyInAnyOrder(
            "spec.trustDomain: must be a string",
            "spec.caBundles[0].type: must be one of: Pem",
            "spec.caBundles[1].type: is required",
            "spec.caBundles[1].pem.value: is required",
            "spec.caBundles[2].extra: unknown field",
            "spec.origin: not supported by Chronomesh yet: deprecated in Kuma 2.14 and read by"
                + " nothing there (status.origin replaces it)");
    assertThat(violations("type: MeshTrust\nname: test\nmesh: default\n"))
        .containsExactly("spec: is required");
  }

  @Test
  void kumasValidatorWantsBundlesAndATrustDomain() {
    assertThat(violations("type: MeshTrust\nname: t\nmesh: default\nspec: {caBundles: []}\n"))
        .containsExactly(
            "spec.caBundles: must not be empty",
            "spec.trustDomain: trustDomain needs to be defined");
  }

  @Test
  void aBundleMustHoldOnlyCertificatesThatParse() {
    // Kuma looks at the first PEM block only; a key anywhere would be stored in clear, and a
    // block that is no certificate would break the bundle every proxy of the mesh receives. The
    // message never quotes the value. Kuma's own full-valid example holds a made-up certificate
    // (its base64 is no DER), which Kuma accepts and Chronomesh refuses.
    String key =
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
            + "-----END PRIVATE KEY-----\n";
    String madeUp =
        "-----BEGIN CERTIFICATE-----\nMIIDXTCCAkWgAwIBAgIJANUE+QmjOey1MA0GCSqGSIb3DQEBCwUAMEUx\n"
            + "-----END CERTIFICATE-----\n";
    for (String value : List.of(CA + key, key, madeUp, "not pem")) {
      assertThat(violations(document("partner.example", value)))
          .containsExactly(
              "spec.caBundles[0].pem.value: provided certificate has incorrect format");
    }
    assertThat(MeshTrustMapper.certificatesOnly(CA + CA)).isTrue();
  }

  @Test
  void readOnlyStatusAndKriAreIgnored() throws Exception {
    String doc =
        document("partner.example", CA)
            + "kri: kri_mtrust_default___partner_\nstatus: {origin: {kri: x}}\n";
    PolicyResource stored = (PolicyResource) parse(doc);
    assertThat(stored.getSpec()).doesNotContain("origin");
  }

  static String document(String trustDomain, String pem) {
    StringBuilder indented = new StringBuilder();
    for (String line : pem.split("\n")) {
      indented.append("            ").append(line).append('\n');
    }
    return """
        type: MeshTrust
        name: partner
        mesh: default
        spec:
          trustDomain: %s
          caBundles:
            - type: Pem
              pem:
                value: |
        %s"""
        .formatted(trustDomain, indented);
  }

  private static Object parse(String yaml) throws ValidationException {
    return ResourceType.MESH_TRUST.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
  }

  private static List<String> violations(String yaml) {
    ValidationException e = catchThrowableOfType(ValidationException.class, () -> parse(yaml));
    assertThat(e).as("violations expected").isNotNull();
    return e.violations().stream().map(v -> v.field() + ": " + v.reason()).toList();
  }

  static String resource(String name) {
    try (InputStream in = MeshTrustTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
