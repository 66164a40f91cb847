package dev.chronomesh.launcher.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The files a proxyless gRPC workload's {@code file_watcher} certificate provider reads: {@code
 * key.pem} (owner-only), {@code cert.pem} and {@code ca.pem}, each replaced atomically so a reader
 * never sees half a file.
 */
public final class WorkloadFiles {
  public static final String KEY = "key.pem";
  public static final String CERT = "cert.pem";
  public static final String CA = "ca.pem";

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private WorkloadFiles() {}

  /** Writes the three files into {@code dir} (created when missing): the key first. */
  public static void write(Path dir, String keyPem, String certPem, String caPem)
      throws IOException {
    Files.createDirectories(dir);
    replace(dir, KEY, keyPem, true);
    replace(dir, CERT, certPem, false);
    replace(dir, CA, caPem, false);
  }

  private static void replace(Path dir, String name, String text, boolean secret)
      throws IOException {
    Path temp =
        secret
            ? Files.createTempFile(
                dir, "." + name, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
            : Files.createTempFile(dir, "." + name, ".tmp");
    try {
      Files.writeString(temp, text, StandardCharsets.US_ASCII);
      try {
        Files.move(
            temp,
            dir.resolve(name),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
