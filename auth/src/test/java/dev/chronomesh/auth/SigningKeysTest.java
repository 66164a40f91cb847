package dev.chronomesh.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.avro.SigningKeyResource;
import java.nio.ByteBuffer;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.junit.jupiter.api.Test;

class SigningKeysTest {
  private final EnvelopeSealer sealer = new EnvelopeSealer(EnvelopeSealer.newKek());

  @Test
  void generatesAnRs256KeyWithThePrivateHalfSealed() throws Exception {
    SigningKeyResource resource = SigningKeys.generate("_global", "user-token-signing-key", sealer);

    assertThat(resource.getMesh()).isEqualTo("_global");
    assertThat(resource.getName()).isEqualTo("user-token-signing-key");
    assertThat(resource.getAlgorithm()).isEqualTo("RS256");
    byte[] der = SigningKeys.bytes(resource.getPublicKey());
    RSAPublicKey publicKey =
        (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    assertThat(publicKey.getModulus().bitLength()).isEqualTo(2048);
    assertThat(resource.getPrivateKey().getKekId()).isEqualTo(sealer.kekId());
    byte[] privateDer = sealer.open(resource.getPrivateKey());
    assertThat(privateDer.length).isGreaterThan(1000);
    assertThat(SigningKeys.bytes(resource.getPrivateKey().getCiphertext()))
        .isNotEqualTo(privateDer);
  }

  @Test
  void readsBothHalvesBack() {
    SigningKeyResource resource = SigningKeys.generate("default", "k", sealer);

    VerifyingKey verifying = SigningKeys.verifyingKey(resource);
    SigningKey signing = SigningKeys.signingKey(resource, sealer);

    assertThat(verifying.mesh()).isEqualTo("default");
    assertThat(verifying.name()).isEqualTo("k");
    assertThat(verifying.keyId())
        .isEqualTo(SigningKeys.keyId(SigningKeys.bytes(resource.getPublicKey())))
        .hasSize(22);
    assertThat(signing.verifyingKey()).isEqualTo(verifying);
    assertThat(signing.privateKey().getModulus()).isEqualTo(verifying.publicKey().getModulus());
    assertThat(signing.toString()).doesNotContain(signing.privateKey().getModulus().toString());
  }

  @Test
  void keyIdsDifferBetweenKeys() {
    VerifyingKey a = SigningKeys.verifyingKey(SigningKeys.generate("m", "k", sealer));
    VerifyingKey b = SigningKeys.verifyingKey(SigningKeys.generate("m", "k", sealer));
    assertThat(a.keyId()).isNotEqualTo(b.keyId());
  }

  @Test
  void refusesAnotherSealerOrMismatchedHalves() {
    SigningKeyResource a = SigningKeys.generate("m", "k", sealer);
    SigningKeyResource b = SigningKeys.generate("m", "k", sealer);

    EnvelopeSealer other = new EnvelopeSealer(EnvelopeSealer.newKek());
    assertThatThrownBy(() -> SigningKeys.signingKey(a, other))
        .isInstanceOf(IllegalStateException.class);

    SigningKeyResource mixed =
        SigningKeyResource.newBuilder(a).setPrivateKey(b.getPrivateKey()).build();
    assertThatThrownBy(() -> SigningKeys.signingKey(mixed, sealer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong");
  }

  @Test
  void refusesOtherAlgorithmsAndGarbledKeys() {
    SigningKeyResource a = SigningKeys.generate("m", "k", sealer);
    SigningKeyResource hs = SigningKeyResource.newBuilder(a).setAlgorithm("HS256").build();
    assertThatThrownBy(() -> SigningKeys.verifyingKey(hs)).hasMessageContaining("only RS256");

    SigningKeyResource garbled =
        SigningKeyResource.newBuilder(a).setPublicKey(ByteBuffer.wrap(new byte[] {1, 2})).build();
    assertThatThrownBy(() -> SigningKeys.verifyingKey(garbled))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no readable RSA public key");
  }
}
