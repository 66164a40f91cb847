package dev.chronomesh.commandapi.auth;

import dev.chronomesh.auth.SigningKey;
import dev.chronomesh.auth.SigningKeys;
import dev.chronomesh.auth.VerifyingKey;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.meshmodel.Sealer;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token-signing keys as the store holds them, parsed once per (mesh, name, public key). A
 * missing key is created through the decider with create-only semantics, so concurrent instances
 * agree on one key: the loser of the race reads the winner's.
 */
final class KeyRing {
  static final String GLOBAL = "_global";
  static final String USER_KEY = "user-token-signing-key";
  static final String DATAPLANE_KEY = "dataplane-token-signing-key";
  static final String RESOURCE_TYPE = "SigningKey";
  static final String SYSTEM_ACTOR = "system@chronomesh";

  private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);

  private record Id(String mesh, String name) {}

  private record CacheKey(String mesh, String name, String publicKey) {
    static CacheKey of(SigningKeyResource r) {
      return new CacheKey(
          r.getMesh(), r.getName(), Base64.getEncoder().encodeToString(bytes(r.getPublicKey())));
    }
  }

  private final AuthStore store;
  private final Sealer sealer;
  private final Clock clock;
  private final Duration winnerWait;
  private final ConcurrentMap<CacheKey, VerifyingKey> verifying = new ConcurrentHashMap<>();
  private final ConcurrentMap<CacheKey, SigningKey> signing = new ConcurrentHashMap<>();

  /** Keys this instance created that its view may not show yet. */
  private final ConcurrentMap<Id, SigningKeyResource> created = new ConcurrentHashMap<>();

  private final ConcurrentMap<Id, Object> creationLocks = new ConcurrentHashMap<>();

  KeyRing(AuthStore store, Sealer sealer, Clock clock, Duration winnerWait) {
    this.store = Objects.requireNonNull(store, "store");
    this.sealer = Objects.requireNonNull(sealer, "sealer");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.winnerWait = Objects.requireNonNull(winnerWait, "winnerWait");
  }

  /** The public key {@code name} of {@code mesh}, if it exists; never creates one. */
  Optional<VerifyingKey> verifyingKey(String mesh, String name) {
    return current(mesh, name)
        .map(r -> verifying.computeIfAbsent(CacheKey.of(r), k -> SigningKeys.verifyingKey(r)));
  }

  /** The key pair {@code name} of {@code mesh}, created (once, cluster-wide) when missing. */
  SigningKey signingKey(String mesh, String name) {
    Optional<SigningKeyResource> existing = current(mesh, name);
    if (existing.isPresent()) {
      return open(existing.get());
    }
    Id id = new Id(mesh, name);
    synchronized (creationLocks.computeIfAbsent(id, k -> new Object())) {
      existing = current(mesh, name);
      if (existing.isPresent()) {
        return open(existing.get());
      }
      return open(create(id));
    }
  }

  private Optional<SigningKeyResource> current(String mesh, String name) {
    Id id = new Id(mesh, name);
    Optional<SigningKeyResource> stored = store.signingKey(mesh, name);
    if (stored.isPresent()) {
      created.remove(id);
      return stored;
    }
    return Optional.ofNullable(created.get(id));
  }

  private SigningKey open(SigningKeyResource resource) {
    return signing.computeIfAbsent(
        CacheKey.of(resource), k -> SigningKeys.signingKey(resource, sealer));
  }

  private SigningKeyResource create(Id id) {
    SigningKeyResource fresh = SigningKeys.generate(id.mesh(), id.name(), sealer);
    Command command =
        Command.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setMesh(id.mesh())
            .setResourceType(RESOURCE_TYPE)
            .setName(id.name())
            .setKind(CommandKind.UPSERT)
            .setPayload(fresh)
            .setExpectedRevision(null)
            .setCreateOnly(true)
            .setCascade(false)
            .setIdempotencyKey(null)
            .setActor(SYSTEM_ACTOR)
            .setRequestedAt(clock.instant())
            .build();
    CommandResult result = store.submit(command);
    int status = result.getStatus();
    if (status == 200 || status == 201) {
      created.put(id, fresh);
      LOG.info(
          "Signing key created mesh={} name={} keyId={} requestId={}",
          id.mesh(),
          id.name(),
          SigningKeys.keyId(bytes(fresh.getPublicKey())),
          command.getRequestId());
      return fresh;
    }
    if (status == 412 || status == 409) {
      LOG.info(
          "Signing key created concurrently by another instance, reading it mesh={} name={}",
          id.mesh(),
          id.name());
      return awaitWinner(id);
    }
    throw new IllegalStateException(
        "cannot create signing key "
            + id.mesh()
            + "/"
            + id.name()
            + ": the decider answered "
            + status
            + " "
            + Objects.toString(result.getTitle(), "")
            + " "
            + Objects.toString(result.getDetail(), ""));
  }

  /** Polls the store until the key another instance created shows up, within the bound. */
  private SigningKeyResource awaitWinner(Id id) {
    long deadline = System.nanoTime() + winnerWait.toNanos();
    long pause = TimeUnit.MILLISECONDS.toNanos(10);
    while (true) {
      Optional<SigningKeyResource> winner = store.signingKey(id.mesh(), id.name());
      if (winner.isPresent()) {
        return winner.get();
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new TokenProblem(
            503,
            "signing key "
                + id.mesh()
                + "/"
                + id.name()
                + " was created by another instance but is not visible here yet; retry");
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(200));
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
