package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EncryptedData;

/**
 * Seals secret values before they become commands and events, and opens them for authorized readers
 * (DESIGN principle 7: secrets never enter the log in clear). Implemented by envelope encryption in
 * the auth module; mesh-model only names the capability.
 */
public interface Sealer {

  /** Encrypts {@code plaintext}; every call uses a fresh data key and IV. */
  EncryptedData seal(byte[] plaintext);

  /**
   * Decrypts a value sealed by this or an earlier key-encryption key this sealer knows.
   *
   * @throws IllegalStateException when the value was sealed with an unknown key or was altered
   */
  byte[] open(EncryptedData sealed);
}
