package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The saved connection settings, {@code chronoctl.yaml} under {@code $XDG_CONFIG_HOME/chronomesh}
 * (or {@code ~/.config/chronomesh}); the file holds a token, so it is written with mode 0600.
 *
 * @param server the API's base URL, or null when not set
 * @param token the bearer token, or null when not set
 */
record ClientConfig(String server, String token) {
  static final String DEFAULT_SERVER = "http://127.0.0.1:5681";
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Set<String> KEYS = Set.of("server", "token");

  /** Where the file lives for this environment. */
  static Path location(Env env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base;
    if (xdg != null) {
      base = Path.of(xdg);
    } else {
      String home = env.get("HOME");
      base = Path.of(home != null ? home : System.getProperty("user.home"), ".config");
    }
    return base.resolve("chronomesh").resolve("chronoctl.yaml");
  }

  /** Reads the file; an absent file is an empty config. */
  static ClientConfig load(Path file) {
    if (!Files.exists(file)) {
      return new ClientConfig(null, null);
    }
    JsonNode doc;
    try {
      doc = YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw CliFailure.refused("cannot read the config file " + file + ": " + e.getMessage());
    }
    if (doc == null || doc.isMissingNode() || doc.isNull()) {
      return new ClientConfig(null, null);
    }
    List<String> problems = new ArrayList<>();
    if (!doc.isObject()) {
      problems.add("must be a map with the keys server and token");
    } else {
      for (Iterator<String> it = doc.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!KEYS.contains(key)) {
          problems.add(key + ": unknown key (expected server, token)");
        } else if (!doc.get(key).isTextual() && !doc.get(key).isNull()) {
          problems.add(key + ": must be a string");
        }
      }
    }
    String server = text(doc, "server");
    if (server != null) {
      String problem = checkServer(server);
      if (problem != null) {
        problems.add("server: " + problem);
      }
    }
    if (!problems.isEmpty()) {
      List<String> lines = new ArrayList<>();
      lines.add("Error: the config file " + file + " is not valid:");
      problems.forEach(p -> lines.add("  " + p));
      throw new CliFailure(Chronoctl.EXIT_REFUSED, lines);
    }
    return new ClientConfig(server, text(doc, "token"));
  }

  private static String text(JsonNode doc, String key) {
    JsonNode value = doc.get(key);
    return value == null || !value.isTextual() || value.asText().isEmpty() ? null : value.asText();
  }

  /** Null when the URL is a usable http(s) base URL, else why not. */
  static String checkServer(String server) {
    try {
      URI uri = new URI(server);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        return "\"" + server + "\" must be an http:// or https:// URL";
      }
      if (uri.getHost() == null) {
        return "\"" + server + "\" has no host";
      }
      if (uri.getQuery() != null || uri.getFragment() != null) {
        return "\"" + server + "\" must not have a query or fragment";
      }
      return null;
    } catch (URISyntaxException e) {
      return "\"" + server + "\" is not a URL: " + e.getReason();
    }
  }

  /**
   * Writes the file atomically with mode 0600 (its directory 0700 when created), so the token is
   * never readable by others, not even for a moment.
   */
  void save(Path file) {
    ObjectNode doc = YAML.createObjectNode();
    if (server != null) {
      doc.put("server", server);
    }
    if (token != null) {
      doc.put("token", token);
    }
    Path dir = file.toAbsolutePath().getParent();
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    try {
      if (!Files.isDirectory(dir)) {
        if (posix) {
          Files.createDirectories(
              dir,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectories(dir);
        }
      }
      Path tmp =
          posix
              ? Files.createTempFile(
                  dir,
                  ".chronoctl",
                  ".tmp",
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")))
              : Files.createTempFile(dir, ".chronoctl", ".tmp");
      try {
        Files.write(tmp, YAML.writeValueAsBytes(doc));
        try {
          Files.move(
              tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      if (posix) {
        // An existing file keeps its inode's mode on some systems: set it explicitly.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw CliFailure.refused("cannot write the config file " + file + ": " + e.getMessage());
    }
  }

  /** The token with all but its last four characters hidden. */
  static String mask(String token) {
    if (token == null) {
      return "(none)";
    }
    return token.length() <= 8 ? "****" : "****" + token.substring(token.length() - 4);
  }
}
