package dev.chronomesh.events.registry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content-derived schema ids: every process computes the same id for the same schema text. */
final class SchemaIds {
  private SchemaIds() {}

  /** The SHA-256 of the schema's text (its UTF-8 bytes). */
  static byte[] sha256(String schemaText) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(schemaText.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  /**
   * A positive 31-bit id from the digest: the first 4-byte window (big-endian, sign bit cleared)
   * that is not 0; 1 in the (practically impossible) case that every window is 0.
   */
  static int idOf(byte[] digest) {
    for (int i = 0; i + 4 <= digest.length; i += 4) {
      int id =
          ((digest[i] & 0xff) << 24
                  | (digest[i + 1] & 0xff) << 16
                  | (digest[i + 2] & 0xff) << 8
                  | (digest[i + 3] & 0xff))
              & 0x7fffffff;
      if (id != 0) {
        return id;
      }
    }
    return 1;
  }
}
