package dev.chronomesh.commandapi.auth;

import dev.chronomesh.meshmodel.Sealer;
import io.javalin.Javalin;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Token authentication of the admin API: verifies user tokens (RS256 JWTs) against the global
 * signing key, issues user and dataplane tokens, records revocations, and creates the admin token
 * at first start.
 */
public final class TokenAuth {
  private TokenAuth() {}

  /** Token authentication over {@code store}; keys are sealed and opened with {@code sealer}. */
  public static TokenAuth create(AuthStore store, Sealer sealer, Clock clock) {
    throw new UnsupportedOperationException("token authentication is not built yet");
  }

  /** Authenticates {@code Authorization: Bearer <jwt>} headers. */
  public Authenticator authenticator() {
    throw new UnsupportedOperationException("token authentication is not built yet");
  }

  /** Adds {@code POST /tokens/user}, {@code POST /tokens/dataplane}, revocation routes. */
  public void installRoutes(Javalin app) {
    throw new UnsupportedOperationException("token authentication is not built yet");
  }

  /**
   * Creates the admin token at first start: when {@code file} does not exist, issues an admin
   * token, writes it there with owner-only permissions and prints it once to {@code out}.
   */
  public void bootstrapAdminToken(Path file, PrintStream out) {
    throw new UnsupportedOperationException("token authentication is not built yet");
  }
}
