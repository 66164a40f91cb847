package dev.chronomesh.ca;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.SecretResource;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the builtin CAs the meshes lack, through the write path: each Secret is a create-only
 * command, so of several CA services (or several rounds of one) exactly one key and then one
 * certificate are stored, and the decision is an event like every other write (actor {@value
 * #ACTOR}). The private key is sealed before it leaves this process. Called periodically; a step
 * sent is not repeated until its event shows or {@link #RETRY_AFTER} has passed.
 */
final class CaCreator implements Runnable {
  static final String ACTOR = "system@chronomesh/ca-service";
  static final Duration RETRY_AFTER = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(CaCreator.class);

  private final Supplier<List<MeshState>> meshes;
  private final Sealer sealer;
  private final Consumer<Command> submit;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** Steps sent and when, by {@code <mesh>/<backend>/<key|cert>}; only the caller's thread. */
  private final Map<String, Instant> sent = new HashMap<>();

  CaCreator(
      Supplier<List<MeshState>> meshes, Sealer sealer, Consumer<Command> submit, Clock clock) {
    this.meshes = meshes;
    this.sealer = sealer;
    this.submit = submit;
    this.clock = clock;
  }

  @Override
  public void run() {
    try {
      Instant now = clock.instant();
      sent.values().removeIf(at -> at.plus(RETRY_AFTER).isBefore(now));
      for (MeshState state : meshes.get()) {
        for (MissingCas.Step step : MissingCas.of(state)) {
          String id = step.mesh() + "/" + step.backend() + (step.keyExists() ? "/cert" : "/key");
          if (sent.putIfAbsent(id, now) == null) {
            take(state, step, now);
          }
        }
      }
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again: log, and try next round.
      LOG.error("Creating missing CAs failed; retrying next round", e);
    }
  }

  private void take(MeshState state, MissingCas.Step step, Instant now) {
    if (!step.keyExists()) {
      KeyPair keys = RootCa.generateKey(step.conf(), random);
      send(
          step.mesh(),
          CaSecrets.privateKey(step.mesh(), step.backend()),
          Pem.encode(keys.getPrivate()));
      LOG.info(
          "CA key created mesh={} backend={} bits={}",
          step.mesh(),
          step.backend(),
          step.conf().rsaBits());
      return;
    }
    SecretResource key =
        (SecretResource)
            state
                .get(ResourceType.SECRET, CaSecrets.privateKey(step.mesh(), step.backend()))
                .orElseThrow()
                .payload();
    KeyPair keys = RootCa.keyPairOf(Pem.privateKey(new String(sealer.open(key.getData()), UTF_8)));
    CaKeyPair ca = RootCa.certify(step.mesh(), keys, step.conf(), now, random);
    send(
        step.mesh(),
        CaSecrets.certificate(step.mesh(), step.backend()),
        Pem.encode(ca.certificate()));
    LOG.info(
        "CA certificate created mesh={} backend={} notAfter={}",
        step.mesh(),
        step.backend(),
        ca.certificate().getNotAfter().toInstant());
  }

  private void send(String mesh, String name, String pem) {
    submit.accept(
        Command.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setMesh(mesh)
            .setResourceType(ResourceType.SECRET.name())
            .setName(name)
            .setKind(CommandKind.UPSERT)
            .setPayload(new SecretResource(name, mesh, Map.of(), sealer.seal(pem.getBytes(UTF_8))))
            .setExpectedRevision(null)
            .setCreateOnly(true)
            .setCascade(false)
            .setIdempotencyKey(null)
            .setActor(ACTOR)
            .setRequestedAt(clock.instant())
            .build());
  }
}
