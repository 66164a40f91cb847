package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.events.avro.SecretResource;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretTest {
  private static final String CLEAR = "hello world!";
  private static final String ENCODED = Base64.getEncoder().encodeToString(CLEAR.getBytes(UTF_8));

  private final TestSealer sealer = new TestSealer("kek-1");

  private SecretResource parse(String yaml) throws ValidationException {
    return (SecretResource)
        ResourceType.SECRET.parse(yaml.getBytes(UTF_8), Format.YAML, "default", null, sealer);
  }

  @Test
  void storesOnlyTheSealedValueWithKumaLabels() throws Exception {
    SecretResource secret = parse(ResourceTypeTest.SECRET);

    assertThat(sealer.sealed).isEqualTo(1);
    assertThat(secret.getName()).isEqualTo("sample-secret");
    assertThat(secret.getMesh()).isEqualTo("default");
    assertThat(secret.getData().getKekId()).isEqualTo("kek-1");
    assertThat(TestSealer.contains(secret.getData().getCiphertext(), CLEAR.getBytes(UTF_8)))
        .isFalse();
    assertThat(secret.toString()).doesNotContain(CLEAR).doesNotContain(ENCODED);
    assertThat(secret.getLabels())
        .containsEntry("team", "a")
        .containsEntry("kuma.io/mesh", "default")
        .containsEntry("kuma.io/origin", "zone")
        .containsEntry("kuma.io/env", "universal");
  }

  @Test
  void rendersDataOnlyWithAnOpener() throws Exception {
    SecretResource secret = parse(ResourceTypeTest.SECRET);
    Instant t = Instant.parse("2025-01-01T00:00:00Z");

    JsonNode hidden = ResourceType.SECRET.render(secret, t, t);
    JsonNode shown = ResourceType.SECRET.render(secret, t, t, sealer);

    assertThat(hidden.has("data")).isFalse();
    assertThat(hidden.toString()).doesNotContain(ENCODED);
    assertThat(shown.get("data").asText()).isEqualTo(ENCODED);
    assertThat(shown.get("type").asText()).isEqualTo("Secret");
    assertThat(shown.get("mesh").asText()).isEqualTo("default");
    Resource resource =
        new Resource(ResourceType.SECRET, "default", "sample-secret", 1, secret, t, t);
    assertThat(resource.render().has("data")).isFalse();
    assertThat(resource.render(sealer).get("data").asText()).isEqualTo(ENCODED);
  }

  @Test
  void renderedSecretParsesBackToTheSameValue() throws Exception {
    SecretResource secret = parse(ResourceTypeTest.SECRET);
    JsonNode shown = ResourceType.SECRET.render(secret, null, null, sealer);

    SecretResource again =
        (SecretResource) ResourceType.SECRET.read(shown, "default", "sample-secret", sealer);

    assertThat(sealer.open(again.getData())).isEqualTo(CLEAR.getBytes(UTF_8));
    assertThat(again.getLabels()).isEqualTo(secret.getLabels());
    assertThat(ResourceType.SECRET.render(again, null, null, sealer)).isEqualTo(shown);
  }

  @Test
  void acceptsUrlSafeBase64AndJson() throws Exception {
    byte[] value = {(byte) 0xfb, (byte) 0xff, 0x01};
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    SecretResource secret =
        (SecretResource)
            ResourceType.SECRET.parse(
                ("{\"type\":\"Secret\",\"mesh\":\"default\",\"name\":\"s\",\"data\":\""
                        + urlSafe
                        + "\"}")
                    .getBytes(UTF_8),
                Format.JSON,
                "default",
                "s",
                sealer);

    assertThat(sealer.open(secret.getData())).isEqualTo(value);
  }

  @Test
  void neverQuotesTheValueInViolations() {
    String bad = "c2VjcmV0LXBhc3N3b3Jk!!"; // a base64 secret with a stray suffix
    for (String body :
        new String[] {
          "type: Secret\nmesh: default\nname: s\ndata: '" + bad + "'\n",
          "{\"type\":\"Secret\",\"mesh\":\"default\",\"name\":\"s\",\"data\":" + bad + "}",
          "type: Secret\nmesh: default\nname: s\ndata: [" + bad + "\n",
        }) {
      Format format = body.startsWith("{") ? Format.JSON : Format.YAML;
      ValidationException e =
          catchThrowableOfType(
              ValidationException.class,
              () ->
                  ResourceType.SECRET.parse(body.getBytes(UTF_8), format, "default", null, sealer));

      assertThat(e).as(body).isNotNull();
      assertThat(e.getMessage()).doesNotContain("c2VjcmV0").doesNotContain("secret-password");
      assertThat(e.violations()).allSatisfy(v -> assertThat(v.reason()).doesNotContain("c2VjcmV0"));
    }
    assertThat(sealer.sealed).isZero();
  }

  @Test
  void aValidSecretWithoutSealerIsACallerBug() throws Exception {
    assertThatThrownBy(
            () ->
                ResourceType.SECRET.parse(
                    ResourceTypeTest.SECRET.getBytes(UTF_8), Format.YAML, null, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageNotContaining(ENCODED);
    // An invalid one is reported as such even without a sealer.
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                ResourceType.SECRET.parse(
                    "type: Secret\nname: s\n".getBytes(UTF_8), Format.YAML, null, null));
    assertThat(e.violations()).extracting(Violation::field).containsExactly("mesh", "data");
  }
}
