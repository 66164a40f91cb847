package dev.chronomesh.commandapi.auth;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.events.avro.TokenRevocationResource;
import java.util.List;
import java.util.Optional;

/**
 * What token authentication and issuance need from the rest of the API: the current signing keys
 * and revocations (from the projection of the events topic) and a way to submit commands through
 * the single-writer decider.
 */
public interface AuthStore {

  /** The current signing key {@code name} of {@code mesh} ("_global" for user tokens). */
  Optional<SigningKeyResource> signingKey(String mesh, String name);

  /** Whether a TokenRevocation for {@code tokenId} exists in {@code mesh} ("_global": users). */
  boolean isRevoked(String mesh, String tokenId);

  /** Whether the mesh exists. */
  boolean meshExists(String mesh);

  /**
   * Submits a command to the decider and waits for its outcome within the write timeout.
   *
   * @throws RuntimeException (the API's problem type) with 503/504 when no outcome arrives in time
   */
  CommandResult submit(Command command);

  /**
   * The TokenRevocations of {@code mesh} ("_global": user tokens), any order; for {@code GET
   * /tokens/revocations}.
   */
  List<TokenRevocationResource> revocations(String mesh);
}
