package dev.chronomesh.xds.auth;

import dev.chronomesh.auth.DataplaneClaims;
import dev.chronomesh.auth.DataplaneTokens;
import dev.chronomesh.auth.InvalidTokenException;
import dev.chronomesh.auth.VerifyingKey;
import dev.chronomesh.events.Keys;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The dataplane-token checks, without gRPC: the token of an {@code authorization} value against a
 * node id {@code <mesh>.<name>} and what the events topic says (the mesh's key, revocations, the
 * dataplane's tags). In-memory only; never blocks.
 */
public final class DataplaneAuthenticator {
  private static final String BEARER = "Bearer";

  private final MeshKeys keys;
  private final DataplaneTokens tokens;

  public DataplaneAuthenticator(MeshKeys keys, Clock clock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.tokens = new DataplaneTokens(Objects.requireNonNull(clock, "clock"));
  }

  /** A refusal; its message names the reason and never contains the token. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The token in an {@code authorization} value: raw (as Kuma's Envoy bootstrap sends it) or {@code
   * Bearer <token>}; null when there is none.
   */
  static String token(String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.strip();
    int scheme = BEARER.length();
    if (value.regionMatches(true, 0, BEARER, 0, scheme)
        && (value.length() == scheme || Character.isWhitespace(value.charAt(scheme)))) {
      value = value.substring(scheme).strip();
    }
    return value.isEmpty() ? null : value;
  }

  /**
   * Checks the token in {@code authorization} for node {@code nodeId}: signature with the mesh's
   * key (RS256 only), validity period, {@code mesh}/{@code name} claims, revocation, and the tags
   * the token restricts against the dataplane's tags.
   *
   * @throws Refused naming the reason
   */
  public DataplaneClaims authenticate(String authorization, String nodeId) throws Refused {
    return authenticate(authorization, nodeId, null);
  }

  /**
   * Like {@link #authenticate(String, String)}, checking the token's tags against {@code tags} (key
   * → every value the dataplane uses) instead of the registered dataplane's: those of a dataplane
   * that kuma-dp is about to register. Null: the registered dataplane's.
   *
   * @throws Refused naming the reason
   */
  public DataplaneClaims authenticate(
      String authorization, String nodeId, Map<String, Set<String>> tags) throws Refused {
    Keys.MeshAnd parsed =
        Keys.parseProxy(nodeId)
            .filter(p -> nodeId.strip().equals(nodeId))
            .orElseThrow(
                () -> new Refused("node id " + quote(nodeId) + " is not <mesh>.<dataplane>"));
    String mesh = parsed.mesh();
    String name = parsed.rest();
    String token = token(authorization);
    if (token == null) {
      throw new Refused(
          "node "
              + nodeId
              + " presented no dataplane token: send it in the authorization metadata (the"
              + " token, or Bearer <token>)");
    }
    VerifyingKey key =
        keys.key(mesh)
            .orElseThrow(
                () ->
                    new Refused(
                        "node "
                            + nodeId
                            + ": mesh "
                            + mesh
                            + " has no dataplane-token signing key (unknown mesh, or no token"
                            + " was ever issued in it)"));
    DataplaneClaims claims;
    try {
      claims = tokens.verify(token, key, mesh, name);
    } catch (InvalidTokenException e) {
      throw new Refused(
          "dataplane token refused for node "
              + nodeId
              + " ("
              + e.reason()
              + "): "
              + e.getMessage());
    }
    if (keys.isRevoked(mesh, claims.tokenId())) {
      throw new Refused(
          "dataplane token refused for node "
              + nodeId
              + ": token "
              + claims.tokenId()
              + " is revoked");
    }
    if (!claims.tags().isEmpty()) {
      Map<String, Set<String>> dataplaneTags = tags != null ? tags : keys.dataplaneTags(mesh, name);
      if (dataplaneTags == null) {
        throw new Refused(
            "dataplane token refused for node "
                + nodeId
                + ": the token restricts tags, but dataplane "
                + name
                + " of mesh "
                + mesh
                + " is not registered, so its tags cannot be checked");
      }
      List<String> violations = claims.tagViolations(dataplaneTags);
      if (!violations.isEmpty()) {
        throw new Refused(
            "dataplane token refused for node " + nodeId + ": " + String.join("; ", violations));
      }
    }
    return claims;
  }

  /** Whether a token accepted earlier has been revoked since. */
  boolean isRevoked(DataplaneClaims claims) {
    return keys.isRevoked(claims.mesh(), claims.tokenId());
  }

  private static String quote(String s) {
    return s == null ? "(none)" : "'" + s + "'";
  }
}
