package dev.chronomesh.projector.generate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The version of a proxy config: the hex SHA-256 of its resources and nothing else, so equal
 * content always has an equal version and an unchanged config is never re-emitted.
 *
 * <p>The digest input is, for each resource in the given (sorted) order, the type URL, the name and
 * the value bytes, each preceded by its length as a 4-byte big-endian int, so no two different
 * resource lists share an input.
 */
public final class ConfigVersion {
  private ConfigVersion() {}

  /**
   * The version of {@code resources}, which must already be sorted by type URL then name.
   *
   * @throws IllegalArgumentException when the resources are not sorted or contain a duplicate
   */
  public static String of(List<GeneratedResource> resources) {
    MessageDigest digest = sha256();
    GeneratedResource previous = null;
    for (GeneratedResource r : resources) {
      if (previous != null && previous.compareTo(r) >= 0) {
        throw new IllegalArgumentException(
            "resources must be sorted by typeUrl then name without duplicates: "
                + previous.typeUrl()
                + "/"
                + previous.name()
                + " before "
                + r.typeUrl()
                + "/"
                + r.name());
      }
      update(digest, r.typeUrl().getBytes(StandardCharsets.UTF_8));
      update(digest, r.name().getBytes(StandardCharsets.UTF_8));
      update(digest, r.value().toByteArray());
      previous = r;
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void update(MessageDigest digest, byte[] bytes) {
    int n = bytes.length;
    digest.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    digest.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
