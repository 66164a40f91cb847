package dev.chronomesh.launcher.agent;

import dev.chronomesh.events.ProxylessBootstrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The files a proxyless gRPC workload's {@code file_watcher} certificate provider reads: {@code
 * key.pem} (owner-only), {@code cert.pem} and {@code ca.pem}, replaced together.
 *
 * <p>grpc-java's watcher reads the certificate and the key one after the other and installs them if
 * neither changed while it read; two files renamed one at a time could still be read as a new key
 * with the old certificate, and every handshake would fail until its next refresh. So, as
 * Kubernetes' atomic writer does, each set is written into a fresh directory {@code ..<n>}, and one
 * rename of the symbolic link {@code ..data} to it switches all three at once; {@code key.pem} and
 * the others are links through {@code ..data}.
 */
public final class WorkloadFiles {
  // Named once, in the bootstrap that points grpc-xds at them.
  public static final String KEY = ProxylessBootstrap.KEY_FILE;
  public static final String CERT = ProxylessBootstrap.CERT_FILE;
  public static final String CA = ProxylessBootstrap.CA_FILE;

  static final String DATA = "..data";

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  private WorkloadFiles() {}

  /** Writes the three files into {@code dir} (created when missing), switching them at once. */
  public static void write(Path dir, String keyPem, String certPem, String caPem)
      throws IOException {
    Files.createDirectories(dir);
    Path version =
        Files.createTempDirectory(dir, "..", PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
    Files.createFile(version.resolve(KEY), PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.writeString(version.resolve(KEY), keyPem, StandardCharsets.US_ASCII);
    Files.writeString(version.resolve(CERT), certPem, StandardCharsets.US_ASCII);
    Files.writeString(version.resolve(CA), caPem, StandardCharsets.US_ASCII);

    Path data = dir.resolve(DATA);
    Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
    Path link = dir.resolve(DATA + ".tmp");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, version.getFileName());
    Files.move(link, data, StandardCopyOption.ATOMIC_MOVE);
    for (String name : new String[] {KEY, CERT, CA}) {
      Path file = dir.resolve(name);
      if (!Files.isSymbolicLink(file)) {
        Files.deleteIfExists(file);
        Files.createSymbolicLink(file, Path.of(DATA, name));
      }
    }
    if (previous != null && !previous.equals(version)) {
      deleteTree(previous);
    }
  }

  private static void deleteTree(Path version) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(version)) {
      for (Path file : files) {
        Files.deleteIfExists(file);
      }
    }
    Files.deleteIfExists(version);
  }
}
