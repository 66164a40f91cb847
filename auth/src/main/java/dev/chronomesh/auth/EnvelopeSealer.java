package dev.chronomesh.auth;

import dev.chronomesh.events.avro.EncryptedData;
import dev.chronomesh.meshmodel.Sealer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption with AES-256-GCM: each value gets a fresh data key and IV; the data key is
 * itself encrypted (wrapped) with the operator's key-encryption key (KEK). The KEK's id (a hash
 * prefix, not the key) is stored beside the value so a rotated KEK can be recognised.
 */
public final class EnvelopeSealer implements Sealer {
  private static final String ALGORITHM = "AES-256-GCM";
  private static final int KEY_BYTES = 32;
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKey kek;
  private final String kekId;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param kek the 32 bytes of the key-encryption key
   */
  public EnvelopeSealer(byte[] kek) {
    Objects.requireNonNull(kek, "kek");
    if (kek.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "the key-encryption key must be 32 bytes (AES-256), got " + kek.length);
    }
    this.kek = new SecretKeySpec(kek.clone(), "AES");
    this.kekId = idOf(kek);
  }

  /** A sealer with a new random KEK (tests, and the first start of {@code chronomesh up}). */
  public static byte[] newKek() {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }

  /** The KEK's public id: the first 16 hex digits of its SHA-256. */
  public String kekId() {
    return kekId;
  }

  @Override
  public EncryptedData seal(byte[] plaintext) {
    Objects.requireNonNull(plaintext, "plaintext");
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES");
      generator.init(KEY_BYTES * 8, random);
      SecretKey dataKey = generator.generateKey();
      byte[] keyIv = randomIv();
      byte[] wrapped = gcm(Cipher.ENCRYPT_MODE, kek, keyIv, aad(), dataKey.getEncoded());
      byte[] iv = randomIv();
      byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, dataKey, iv, aad(), plaintext);
      return EncryptedData.newBuilder()
          .setKekId(kekId)
          .setWrappedKey(ByteBuffer.wrap(concat(keyIv, wrapped)))
          .setIv(ByteBuffer.wrap(iv))
          .setCiphertext(ByteBuffer.wrap(ciphertext))
          .setAlgorithm(ALGORITHM)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot seal a value", e);
    }
  }

  @Override
  public byte[] open(EncryptedData sealed) {
    Objects.requireNonNull(sealed, "sealed");
    if (!kekId.equals(sealed.getKekId())) {
      throw new IllegalStateException(
          "value sealed with key-encryption key " + sealed.getKekId() + ", this one is " + kekId);
    }
    if (!ALGORITHM.equals(sealed.getAlgorithm())) {
      throw new IllegalStateException("unsupported algorithm " + sealed.getAlgorithm());
    }
    try {
      byte[] wrappedWithIv = bytes(sealed.getWrappedKey());
      if (wrappedWithIv.length <= IV_BYTES) {
        throw new IllegalStateException("wrapped key too short");
      }
      byte[] keyIv = java.util.Arrays.copyOf(wrappedWithIv, IV_BYTES);
      byte[] wrapped = java.util.Arrays.copyOfRange(wrappedWithIv, IV_BYTES, wrappedWithIv.length);
      byte[] dataKey = gcm(Cipher.DECRYPT_MODE, kek, keyIv, aad(), wrapped);
      return gcm(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(dataKey, "AES"),
          bytes(sealed.getIv()),
          aad(),
          bytes(sealed.getCiphertext()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot open a sealed value (altered, or another key)", e);
    }
  }

  private byte[] randomIv() {
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    return iv;
  }

  private byte[] aad() {
    return kekId.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gcm(int mode, SecretKey key, byte[] iv, byte[] aad, byte[] input)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
    cipher.updateAAD(aad);
    return cipher.doFinal(input);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String idOf(byte[] kek) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(kek);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
