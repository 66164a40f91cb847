package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.EncryptedData;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A stand-in for the auth module's envelope sealer (mesh-model cannot depend on auth): XOR with a
 * fresh random pad per value, so sealed bytes differ from the clear value and from each other, and
 * {@link #open} checks the key id as a real sealer would.
 */
final class TestSealer implements Sealer {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final String kekId;
  int sealed;
  int opened;

  TestSealer(String kekId) {
    this.kekId = kekId;
  }

  @Override
  public EncryptedData seal(byte[] plaintext) {
    sealed++;
    byte[] pad = new byte[plaintext.length];
    RANDOM.nextBytes(pad);
    byte[] iv = new byte[12];
    RANDOM.nextBytes(iv);
    byte[] out = new byte[plaintext.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (plaintext[i] ^ pad[i]);
    }
    return new EncryptedData(
        kekId, ByteBuffer.wrap(pad), ByteBuffer.wrap(iv), ByteBuffer.wrap(out), "TEST-XOR");
  }

  @Override
  public byte[] open(EncryptedData data) {
    if (!kekId.equals(data.getKekId())) {
      throw new IllegalStateException("unknown key " + data.getKekId());
    }
    opened++;
    byte[] pad = bytes(data.getWrappedKey());
    byte[] out = bytes(data.getCiphertext());
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (out[i] ^ pad[i]);
    }
    return out;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static boolean contains(ByteBuffer haystack, byte[] needle) {
    byte[] h = bytes(haystack);
    for (int i = 0; i + needle.length <= h.length; i++) {
      if (Arrays.equals(h, i, i + needle.length, needle, 0, needle.length)) {
        return true;
      }
    }
    return false;
  }
}
