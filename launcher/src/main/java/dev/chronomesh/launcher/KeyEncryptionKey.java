package dev.chronomesh.launcher;

import dev.chronomesh.auth.EnvelopeSealer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * The operator's key-encryption key (KEK): 32 bytes, base64 in a file or in {@code CHRONOMESH_KEK}.
 * It seals secret values and signing keys before they reach Kafka, so it never goes to Kafka
 * itself.
 */
final class KeyEncryptionKey {
  static final String ENV = "CHRONOMESH_KEK";

  private KeyEncryptionKey() {}

  /** Reads the KEK from {@code file}, creating it (owner-only) at first start. */
  static byte[] loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        Path tmp =
            Files.createTempFile(
                file.getParent(),
                ".kek",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Base64.getEncoder().encodeToString(EnvelopeSealer.newKek()) + "\n");
        try {
          Files.move(tmp, file);
        } catch (FileAlreadyExistsException e) {
          Files.delete(tmp); // another process created it first: use theirs
        }
      }
      return read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the key-encryption key " + file, e);
    }
  }

  /** The KEK from {@code file} when given, else from the environment; null when neither. */
  static byte[] fromFileOrEnv(Path file) {
    if (file != null) {
      try {
        return read(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the key-encryption key " + file, e);
      }
    }
    String env = System.getenv(ENV);
    return env == null || env.isBlank() ? null : decode(env, ENV);
  }

  private static byte[] read(Path file) throws IOException {
    return decode(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
  }

  private static byte[] decode(String text, String source) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the key-encryption key in " + source + " is not base64");
    }
    if (key.length != 32) {
      throw new IllegalArgumentException(
          "the key-encryption key in " + source + " must be 32 bytes, is " + key.length);
    }
    return key;
  }
}
