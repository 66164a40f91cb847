package dev.chronomesh.xds.auth;

import static dev.chronomesh.xds.auth.TestEvents.dataplane;
import static dev.chronomesh.xds.auth.TestEvents.deleted;
import static dev.chronomesh.xds.auth.TestEvents.key;
import static dev.chronomesh.xds.auth.TestEvents.revocation;
import static dev.chronomesh.xds.auth.TestEvents.upserted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.auth.SigningKeys;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.xds.auth.TestEvents.MeshKey;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MeshKeysTest {
  private static final EnvelopeSealer SEALER = TestEvents.sealer();
  private static final MeshKey DEFAULT = MeshKey.generate("default", SEALER);

  @Test
  void keepsTheDataplaneKeyRevocationsAndTagsPerMesh() {
    MeshKeys keys = new MeshKeys();
    assertThat(keys.apply(key(DEFAULT))).contains("mesh=default");
    keys.apply(revocation("default", "jti-1", "dataplane"));
    keys.apply(
        dataplane(
            "default",
            "web-1",
            Map.of("kuma.io/service", "web", "version", "v1"),
            Map.of("kuma.io/service", "web-admin")));

    assertThat(keys.key("default")).contains(DEFAULT.key().verifyingKey());
    assertThat(keys.key("other")).isEmpty();
    assertThat(keys.isRevoked("default", "jti-1")).isTrue();
    assertThat(keys.isRevoked("other", "jti-1")).isFalse();
    assertThat(keys.dataplaneTags("default", "web-1"))
        .containsExactly(
            Map.entry("kuma.io/service", Set.of("web", "web-admin")),
            Map.entry("version", Set.of("v1")));
    assertThat(keys.dataplaneTags("default", "web-2")).isNull();

    keys.apply(deleted("TokenRevocation", "default", "jti-1"));
    keys.apply(deleted("Dataplane", "default", "web-1"));
    keys.apply(deleted("SigningKey", "default", TestEvents.DATAPLANE_KEY));
    assertThat(keys.isRevoked("default", "jti-1")).isFalse();
    assertThat(keys.dataplaneTags("default", "web-1")).isNull();
    assertThat(keys.key("default")).isEmpty();
  }

  @Test
  void ignoresUserKeysUserRevocationsAndOtherTypes() {
    MeshKeys keys = new MeshKeys();
    SigningKeyResource userKey = SigningKeys.generate("_global", "user-token-signing-key", SEALER);
    assertThat(keys.apply(upserted("SigningKey", "_global", "user-token-signing-key", userKey)))
        .isNull();
    assertThat(keys.apply(revocation("_global", "jti-2", "user"))).isNull();
    assertThat(keys.apply(deleted("Mesh", "default", "default"))).isNull();
    assertThat(keys.key("_global")).isEmpty();
    assertThat(keys.isRevoked("_global", "jti-2")).isFalse();
  }

  @Test
  void rejectsInvalidEventsAndKeepsTheState() {
    MeshKeys keys = new MeshKeys();
    keys.apply(key(DEFAULT));
    SigningKeyResource hmac =
        SigningKeyResource.newBuilder(MeshKey.generate("default", SEALER).resource())
            .setAlgorithm("HS256")
            .build();
    assertThatThrownBy(
            () -> keys.apply(upserted("SigningKey", "default", TestEvents.DATAPLANE_KEY, hmac)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only RS256");
    assertThat(keys.key("default")).contains(DEFAULT.key().verifyingKey());

    assertThatThrownBy(
            () ->
                keys.apply(
                    upserted("SigningKey", "other", TestEvents.DATAPLANE_KEY, DEFAULT.resource())))
        .hasMessageContaining("mesh/name differ");
    assertThatThrownBy(() -> keys.apply(upserted("Dataplane", "default", "web-1", null)))
        .hasMessageContaining("payload: must be null exactly when kind is DELETED");
    assertThatThrownBy(
            () -> keys.apply(upserted("Dataplane", "default", "web-1", DEFAULT.resource())))
        .hasMessageContaining("must carry a DataplaneResource");
    assertThat(keys.key("other")).isEmpty();
    assertThat(keys.dataplaneTags("default", "web-1")).isNull();
  }
}
