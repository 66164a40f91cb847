package dev.chronomesh.auth;

import java.security.interfaces.RSAPublicKey;
import java.util.Objects;

/**
 * The public half of a token-signing key: what a verifier (command-api, xDS gateways) needs.
 *
 * @param mesh the key's mesh ("_global" for the user-token key)
 * @param name the key's name
 * @param keyId the {@code kid} of tokens signed with it, derived from the public key
 * @param publicKey the RSA public key
 */
public record VerifyingKey(String mesh, String name, String keyId, RSAPublicKey publicKey) {
  public VerifyingKey {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(publicKey, "publicKey");
  }

  @Override
  public String toString() {
    return "VerifyingKey[mesh=" + mesh + ", name=" + name + ", keyId=" + keyId + "]";
  }
}
