package dev.chronomesh.auth;

import java.security.interfaces.RSAPrivateKey;
import java.util.Objects;

/**
 * A token-signing key pair opened from its {@code SigningKeyResource}. The private key stays inside
 * this package: callers hand the whole key to {@link UserTokens} or {@link DataplaneTokens}.
 */
public final class SigningKey {
  private final VerifyingKey verifyingKey;
  private final RSAPrivateKey privateKey;

  SigningKey(VerifyingKey verifyingKey, RSAPrivateKey privateKey) {
    this.verifyingKey = Objects.requireNonNull(verifyingKey, "verifyingKey");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
  }

  public VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  public String mesh() {
    return verifyingKey.mesh();
  }

  public String name() {
    return verifyingKey.name();
  }

  public String keyId() {
    return verifyingKey.keyId();
  }

  RSAPrivateKey privateKey() {
    return privateKey;
  }

  /** Names the key, never its material. */
  @Override
  public String toString() {
    return "SigningKey[mesh=" + mesh() + ", name=" + name() + ", keyId=" + keyId() + "]";
  }
}
