package dev.chronomesh.auth;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The verified content of a dataplane token.
 *
 * @param mesh the mesh the dataplane belongs to
 * @param name the dataplane's name
 * @param tags the tags the dataplane may carry: key → allowed values (sorted)
 * @param tokenId the token id ({@code jti}), for revocation
 * @param issuedAt {@code iat}
 * @param expiresAt {@code exp}
 * @param keyId the signing key's id ({@code kid})
 */
public record DataplaneClaims(
    String mesh,
    String name,
    Map<String, List<String>> tags,
    String tokenId,
    Instant issuedAt,
    Instant expiresAt,
    String keyId) {
  public DataplaneClaims {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    new TreeMap<>(tags).forEach((k, v) -> copy.put(k, List.copyOf(new TreeSet<>(v))));
    tags = java.util.Collections.unmodifiableMap(copy);
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(keyId, "keyId");
  }

  /**
   * Checks a dataplane's tags (key → every value it uses across its inbounds) against this token:
   * for every tag the token names, the dataplane must carry it, with allowed values only.
   *
   * @return one reason per problem, empty when the dataplane may use this token
   */
  public List<String> tagViolations(Map<String, ? extends Collection<String>> dataplaneTags) {
    Objects.requireNonNull(dataplaneTags, "dataplaneTags");
    List<String> problems = new ArrayList<>();
    tags.forEach(
        (key, allowed) -> {
          Collection<String> values = dataplaneTags.get(key);
          if (values == null || values.isEmpty()) {
            problems.add("the dataplane has no tag " + key + ", which its token requires");
            return;
          }
          Set<String> allowedSet = Set.copyOf(allowed);
          for (String value : new TreeSet<>(values)) {
            if (!allowedSet.contains(value)) {
              problems.add(
                  "tag "
                      + key
                      + "="
                      + value
                      + " is not allowed by the token (allowed: "
                      + allowed
                      + ")");
            }
          }
        });
    return List.copyOf(problems);
  }
}
