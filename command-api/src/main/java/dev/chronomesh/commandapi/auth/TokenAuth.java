package dev.chronomesh.commandapi.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.auth.DataplaneTokens;
import dev.chronomesh.auth.InvalidTokenException;
import dev.chronomesh.auth.KumaDuration;
import dev.chronomesh.auth.UserClaims;
import dev.chronomesh.auth.UserRole;
import dev.chronomesh.auth.UserTokens;
import dev.chronomesh.auth.VerifyingKey;
import dev.chronomesh.meshmodel.Sealer;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token authentication of the admin API: verifies user tokens (RS256 JWTs) against the global
 * signing key, issues user and dataplane tokens, records revocations, and creates the admin token
 * at first start.
 */
public final class TokenAuth {
  /**
   * The Javalin context attribute holding the authenticated {@link Principal}, set by the API's
   * before-handler and read by the token routes.
   */
  public static final String PRINCIPAL_ATTRIBUTE = "principal";

  /** The subject of the admin token created at first start. */
  public static final String ADMIN_SUBJECT = "admin";

  private static final Logger LOG = LoggerFactory.getLogger(TokenAuth.class);
  private static final Duration WINNER_WAIT = Duration.ofSeconds(10);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final AuthStore store;
  private final KeyRing keys;
  private final UserTokens userTokens;
  private final DataplaneTokens dataplaneTokens;
  private final Clock clock;

  private TokenAuth(AuthStore store, KeyRing keys, Clock clock) {
    this.store = store;
    this.keys = keys;
    this.clock = clock;
    this.userTokens = new UserTokens(clock);
    this.dataplaneTokens = new DataplaneTokens(clock);
  }

  /** Token authentication over {@code store}; keys are sealed and opened with {@code sealer}. */
  public static TokenAuth create(AuthStore store, Sealer sealer, Clock clock) {
    return create(store, sealer, clock, WINNER_WAIT);
  }

  static TokenAuth create(AuthStore store, Sealer sealer, Clock clock, Duration winnerWait) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(sealer, "sealer");
    Objects.requireNonNull(clock, "clock");
    return new TokenAuth(store, new KeyRing(store, sealer, clock, winnerWait), clock);
  }

  /** Authenticates {@code Authorization: Bearer <jwt>} headers. */
  public Authenticator authenticator() {
    return this::authenticate;
  }

  private Principal authenticate(String authorization) throws AuthenticationException {
    String token = bearerToken(authorization);
    Optional<VerifyingKey> key = keys.verifyingKey(KeyRing.GLOBAL, KeyRing.USER_KEY);
    if (key.isEmpty()) {
      throw new AuthenticationException("token is not valid: no user token has been issued yet");
    }
    UserClaims claims;
    try {
      claims = userTokens.verify(token, key.get());
    } catch (InvalidTokenException e) {
      LOG.debug("Token refused reason={}", e.reason());
      throw new AuthenticationException(e.getMessage());
    }
    if (store.isRevoked(KeyRing.GLOBAL, claims.tokenId())) {
      LOG.debug("Token refused reason=REVOKED tokenId={}", claims.tokenId());
      throw new AuthenticationException("token has been revoked");
    }
    Principal.Role role =
        switch (claims.role()) {
          case ADMIN -> Principal.Role.ADMIN;
          case EDITOR -> Principal.Role.EDITOR;
          case VIEWER -> Principal.Role.VIEWER;
        };
    return new Principal(
        claims.subject(),
        Set.copyOf(claims.groups()),
        role,
        role == Principal.Role.EDITOR ? claims.meshes() : Set.of(),
        claims.tokenId());
  }

  /** The token of an {@code Authorization} header: {@code Bearer <token>} or the bare token. */
  static String bearerToken(String authorization) throws AuthenticationException {
    if (authorization == null || authorization.isBlank()) {
      throw new AuthenticationException(
          "missing Authorization header: send Authorization: Bearer <token>");
    }
    String value = authorization.strip();
    int space = indexOfWhitespace(value);
    if (space < 0) {
      if (value.equalsIgnoreCase("bearer")) {
        throw new AuthenticationException("missing token after Bearer");
      }
      return value;
    }
    String scheme = value.substring(0, space);
    if (!scheme.toLowerCase(Locale.ROOT).equals("bearer")) {
      throw new AuthenticationException(
          "unsupported authorization scheme: send Authorization: Bearer <token>");
    }
    String token = value.substring(space + 1).strip();
    if (token.isEmpty() || indexOfWhitespace(token) >= 0) {
      throw new AuthenticationException("malformed Authorization header: expected Bearer <token>");
    }
    return token;
  }

  private static int indexOfWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Issues a user token with the global key (created when missing); tests and the routes. */
  String issueUserToken(
      String subject, List<String> groups, UserRole role, Set<String> meshes, Duration validity) {
    return userTokens.issue(
        keys.signingKey(KeyRing.GLOBAL, KeyRing.USER_KEY), subject, groups, role, meshes, validity);
  }

  /** The public key dataplane tokens of {@code mesh} verify with, if the mesh has one yet. */
  Optional<VerifyingKey> dataplaneVerifyingKey(String mesh) {
    return keys.verifyingKey(mesh, KeyRing.DATAPLANE_KEY);
  }

  /** Adds {@code POST /tokens/user}, {@code POST /tokens/dataplane}, revocation routes. */
  public void installRoutes(Javalin app) {
    Objects.requireNonNull(app, "app");
    new TokenRoutes(store, keys, userTokens, dataplaneTokens, clock, new ObjectMapper())
        .install(app);
  }

  /**
   * Creates the admin token at first start: when {@code file} does not exist, issues an admin
   * token, writes it there with owner-only permissions and prints it once to {@code out}.
   */
  public void bootstrapAdminToken(Path file, PrintStream out) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(out, "out");
    if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      LOG.debug("Admin token exists, not creating one file={}", file);
      return;
    }
    String token =
        issueUserToken(ADMIN_SUBJECT, List.of(), UserRole.ADMIN, Set.of(), KumaDuration.MAX);
    Path absolute = file.toAbsolutePath();
    Path dir = absolute.getParent();
    Path temp = null;
    try {
      Files.createDirectories(dir);
      temp = createOwnerOnlyTemp(dir);
      Files.writeString(temp, token, StandardCharsets.US_ASCII);
      moveIntoPlace(temp, absolute);
      temp = null;
    } catch (FileAlreadyExistsException e) {
      LOG.info("Admin token was created concurrently, keeping that one file={}", absolute);
      return;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the admin token to " + absolute, e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          LOG.warn("Cannot delete a temporary file file={}", temp, e);
        }
      }
    }
    LOG.info("Admin token created file={} validFor={}", absolute, KumaDuration.MAX);
    // Where, never the token itself: whatever collects this process's output (a terminal's
    // scrollback, a log shipper) must not hold a credential.
    out.println("Chronomesh admin token created, owner-only: " + absolute);
    out.println(
        "Send it as 'Authorization: Bearer <token>' (chronoctl: config set --token \"$(cat <file>)\"). It"
            + " grants every right for 10 years: keep it secret, and revoke it (POST"
            + " /tokens/revocations) if it leaks.");
    out.flush();
  }

  private static Path createOwnerOnlyTemp(Path dir) throws IOException {
    try {
      return Files.createTempFile(
          dir, ".admin-token-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): restrict with the portable flags instead.
      Path temp = Files.createTempFile(dir, ".admin-token-", ".tmp");
      java.io.File f = temp.toFile();
      boolean restricted =
          f.setReadable(false, false)
              && f.setReadable(true, true)
              && f.setWritable(false, false)
              && f.setWritable(true, true);
      if (!restricted) {
        Files.delete(temp);
        throw new IOException("cannot restrict the permissions of " + temp);
      }
      return temp;
    }
  }

  /** Moves without replacing: a file that appeared meanwhile wins (FileAlreadyExistsException). */
  private static void moveIntoPlace(Path temp, Path file) throws IOException {
    try {
      // A hard link is atomic and refuses an existing target, unlike rename(2).
      Files.createLink(file, temp);
      Files.delete(temp);
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
      if (e instanceof FileAlreadyExistsException exists) {
        throw exists;
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException notAtomic) {
        Files.move(temp, file);
      }
    }
  }
}
