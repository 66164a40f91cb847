package dev.chronomesh.commandapi.auth;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.events.avro.TokenRevocationResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * An AuthStore over maps: submit applies create-only semantics atomically (the decider's single
 * writer), reads see the maps at once unless a test delays them.
 */
final class InMemoryAuthStore implements AuthStore {
  final Map<String, SigningKeyResource> keys = new ConcurrentHashMap<>();
  final Map<String, TokenRevocationResource> revocations = new ConcurrentHashMap<>();
  final Set<String> meshes = ConcurrentHashMap.newKeySet();
  final List<Command> submitted = Collections.synchronizedList(new ArrayList<>());

  /** Lookups of signing keys that still answer empty (a view lagging behind the decider). */
  volatile int hiddenKeyLookups;

  /** Rewrites outcomes (e.g. to reject revocations). */
  volatile UnaryOperator<CommandResult> outcomes = UnaryOperator.identity();

  /** Runs before a command is decided (e.g. to let another instance win a race). */
  volatile Runnable beforeDecide = () -> {};

  private static String key(String mesh, String name) {
    return mesh + "/" + name;
  }

  @Override
  public Optional<SigningKeyResource> signingKey(String mesh, String name) {
    synchronized (this) {
      if (hiddenKeyLookups > 0) {
        hiddenKeyLookups--;
        return Optional.empty();
      }
    }
    return Optional.ofNullable(keys.get(key(mesh, name)));
  }

  @Override
  public boolean isRevoked(String mesh, String tokenId) {
    return revocations.containsKey(key(mesh, tokenId));
  }

  @Override
  public boolean meshExists(String mesh) {
    return meshes.contains(mesh);
  }

  @Override
  public List<TokenRevocationResource> revocations(String mesh) {
    return revocations.values().stream().filter(r -> r.getMesh().equals(mesh)).toList();
  }

  @Override
  public CommandResult submit(Command command) {
    beforeDecide.run();
    submitted.add(command);
    int status;
    synchronized (this) {
      String k = key(command.getMesh(), command.getName());
      status =
          switch (command.getResourceType()) {
            case "SigningKey" -> {
              if (command.getCreateOnly() && keys.containsKey(k)) {
                yield 412;
              }
              boolean created = keys.put(k, (SigningKeyResource) command.getPayload()) == null;
              yield created ? 201 : 200;
            }
            case "TokenRevocation" ->
                revocations.put(k, (TokenRevocationResource) command.getPayload()) == null
                    ? 201
                    : 200;
            default -> 400;
          };
    }
    CommandResult result =
        CommandResult.newBuilder()
            .setRequestId(command.getRequestId())
            .setMesh(command.getMesh())
            .setStatus(status)
            .setTitle(status == 412 ? "Precondition Failed" : null)
            .setDetail(status == 412 ? "the resource exists" : null)
            .setDecidedAt(Instant.now())
            .build();
    return outcomes.apply(result);
  }

  List<Command> submittedOfType(String type) {
    synchronized (submitted) {
      return submitted.stream().filter(c -> c.getResourceType().equals(type)).toList();
    }
  }
}
