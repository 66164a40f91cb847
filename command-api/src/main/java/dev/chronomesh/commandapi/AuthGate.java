package dev.chronomesh.commandapi;

import dev.chronomesh.commandapi.auth.AuthenticationException;
import dev.chronomesh.commandapi.auth.Authenticator;
import dev.chronomesh.commandapi.auth.Principal;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Map;

/**
 * Authenticates every request except health, readiness, the OpenAPI document and schema reads, and
 * keeps the principal on the request; schema-registry writes need an admin.
 */
final class AuthGate {
  private static final String SCHEMA_REGISTRY = "/schema-registry";

  private final Authenticator authenticator;

  AuthGate(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  void handle(Context ctx) {
    String path = ctx.path();
    boolean read = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD;
    boolean schemaPath = path.equals(SCHEMA_REGISTRY) || path.startsWith(SCHEMA_REGISTRY + "/");
    if (ctx.method() == HandlerType.OPTIONS
        || (read
            && (path.equals("/healthz")
                || path.equals("/readyz")
                || path.equals("/metrics")
                || path.equals("/openapi.yaml")
                || schemaPath))) {
      return;
    }
    Principal principal;
    try {
      principal = authenticator.authenticate(ctx.header("Authorization"));
    } catch (AuthenticationException e) {
      throw unauthorized(e.getMessage());
    }
    if (principal == null) {
      throw unauthorized("no valid token");
    }
    ctx.attribute(Requests.PRINCIPAL, principal);
    if (schemaPath && !principal.isAdmin()) {
      throw new ApiProblem(403, principal.name() + " may not change schemas: admins only");
    }
  }

  private static ApiProblem unauthorized(String detail) {
    return new ApiProblem(
        401,
        detail == null || detail.isBlank() ? "authentication required" : detail,
        List.of(),
        Map.of("WWW-Authenticate", "Bearer"));
  }
}
