package dev.chronomesh.xds.lifecycle;

import com.google.protobuf.Struct;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.ProxyConnection;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.xds.ProxyEventListener;
import dev.chronomesh.xds.auth.MeshKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kuma's dataplane lifecycle ({@code pkg/xds/server/callbacks/dataplane_lifecycle.go}) through the
 * write path: a proxy that carries its Dataplane in its node metadata (kuma-dp's {@code
 * --dataplane-file}) registers it when its ADS stream connects — an upsert command whose actor is
 * the dataplane itself ({@value #ACTOR_PREFIX}{@code <mesh>.<name>}), decided and validated like
 * any write — and updates it when what it carries changes. When its last stream on this gateway
 * closes, the dataplane is deleted after the deregistration delay unless by then the proxy has a
 * stream again (here or on another gateway: the proxy-status topic says), the gateway is shutting
 * down, or the dataplane was not both created and last written by the proxy (a Dataplane applied
 * through the API is never deleted so, even after its proxy's health checks wrote its inbounds'
 * readiness as the proxy). The readiness those checks write is left out when a carried Dataplane is
 * compared with the registered one. Separately, every dataplane that has been offline longer than
 * the cleanup age is deleted (Kuma's {@code dataplaneCleanupAge}), by an event of its own (actor
 * {@value #CLEANUP_ACTOR}).
 *
 * <p>Deletes name the revision they saw, so a concurrent write wins. All work runs on one scheduler
 * thread; the listener methods only hand it over.
 */
public final class DataplaneLifecycle implements ProxyEventListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataplaneLifecycle.class);

  /** The actor of a proxy's own writes: {@code dataplane:<mesh>.<name>}. */
  public static final String ACTOR_PREFIX = "dataplane:";

  /** The actor of the cleanup's deletes. */
  public static final String CLEANUP_ACTOR = "system@chronomesh/dataplane-cleanup";

  /**
   * @param deregistrationDelay how long after its last stream closes a registered dataplane is
   *     deleted (Kuma's {@code dataplaneDeregistrationDelay}, 10 s)
   * @param cleanupAge how long a dataplane may stay offline before it is deleted (Kuma's {@code
   *     dataplaneCleanupAge}, 72 h)
   */
  public record Settings(Duration deregistrationDelay, Duration cleanupAge) {
    public static final Settings KUMA_DEFAULTS =
        new Settings(Duration.ofSeconds(10), Duration.ofHours(72));

    public Settings {
      if (deregistrationDelay.isNegative()) {
        throw new IllegalArgumentException("deregistrationDelay: must not be negative");
      }
      if (cleanupAge.isNegative() || cleanupAge.isZero()) {
        throw new IllegalArgumentException("cleanupAge: must be positive");
      }
    }

    /** How often the cleanup looks: a tenth of the age, between a second and a minute. */
    Duration sweepEvery() {
      long millis = Math.clamp(cleanupAge.toMillis() / 10, 1_000, 60_000);
      return Duration.ofMillis(millis);
    }
  }

  private final MeshKeys state;
  private final Function<String, ProxyConnection> presence;
  private final java.util.function.BooleanSupplier presenceCaughtUp;
  private final Consumer<Command> submit;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Settings settings;

  /** Streams open on this gateway per registered (carried) node; only the scheduler thread. */
  private final Map<String, Integer> open = new HashMap<>();

  /** Deregistrations waiting for their delay; only the scheduler thread. */
  private final Map<String, ScheduledFuture<?>> pending = new HashMap<>();

  private volatile boolean closing;

  /** What {@link #start} opened for this lifecycle, closed with it. */
  private AutoCloseable[] owned = new AutoCloseable[0];

  /**
   * @param state the dataplanes as the events topic says (with revision and last writer)
   * @param presence each node's stream as the proxy-status topic says
   * @param presenceCaughtUp whether {@code presence} has read the topic up to where it was at start
   *     (until then an old DISCONNECTED may stand for a proxy that reconnected since: the cleanup
   *     waits)
   * @param submit sends a command to the decider
   * @param scheduler the one thread all work runs on (shut down by {@link #close})
   */
  public DataplaneLifecycle(
      MeshKeys state,
      Function<String, ProxyConnection> presence,
      java.util.function.BooleanSupplier presenceCaughtUp,
      Consumer<Command> submit,
      Clock clock,
      ScheduledExecutorService scheduler,
      Settings settings) {
    this.state = Objects.requireNonNull(state, "state");
    this.presence = Objects.requireNonNull(presence, "presence");
    this.presenceCaughtUp = Objects.requireNonNull(presenceCaughtUp, "presenceCaughtUp");
    this.submit = Objects.requireNonNull(submit, "submit");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.settings = Objects.requireNonNull(settings, "settings");
    long every = settings.sweepEvery().toMillis();
    scheduler.scheduleWithFixedDelay(this::sweepLogged, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a lifecycle reading the proxy-status topic for presence and handing its commands to
   * {@code commands} (the gateway's writer to the commands topic, which the caller owns).
   */
  public static DataplaneLifecycle start(
      MeshKeys state,
      String proxyStatusTopic,
      Consumer<Command> commands,
      Map<String, Object> kafkaProperties,
      dev.chronomesh.events.registry.SchemaRegistry registry,
      Settings settings) {
    ProxyPresenceFeed presence =
        ProxyPresenceFeed.start(proxyStatusTopic, kafkaProperties, registry);
    ScheduledExecutorService scheduler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "dataplane-lifecycle");
              t.setDaemon(true);
              return t;
            });
    DataplaneLifecycle lifecycle =
        new DataplaneLifecycle(
            state,
            presence::connection,
            presence::isReady,
            commands,
            Clock.systemUTC(),
            scheduler,
            settings);
    lifecycle.owned = new AutoCloseable[] {presence};
    return lifecycle;
  }

  @Override
  public void nodeConnected(String nodeId, long streamId, Struct metadata) {
    if (!metadata.containsFields(CarriedDataplane.METADATA_KEY) || closing) {
      return;
    }
    run(() -> connected(nodeId, metadata));
  }

  @Override
  public void disconnected(String nodeId, long streamId) {
    if (closing) {
      return;
    }
    run(() -> closed(nodeId));
  }

  private void connected(String nodeId, Struct metadata) {
    Keys.MeshAnd node = Keys.parseProxy(nodeId).orElse(null);
    if (node == null) {
      return;
    }
    DataplaneResource carried;
    try {
      carried = CarriedDataplane.fromMetadata(metadata, node.mesh(), node.rest()).orElseThrow();
    } catch (ValidationException e) {
      LOG.warn("Not registering node={}: its Dataplane is invalid: {}", nodeId, e.getMessage());
      return;
    }
    open.merge(nodeId, 1, Integer::sum);
    ScheduledFuture<?> waiting = pending.remove(nodeId);
    if (waiting != null) {
      waiting.cancel(false);
    }
    Optional<MeshKeys.Registered> registered = state.registered(node.mesh(), node.rest());
    if (registered.isPresent()
        && withoutReadiness(registered.get().resource()).equals(withoutReadiness(carried))) {
      return; // already as it carries it (the readiness its health checks wrote aside)
    }
    submit.accept(command(node, CommandKind.UPSERT, carried, null, ACTOR_PREFIX + nodeId));
    LOG.info(
        "Dataplane {} node={} (carried by its proxy)",
        registered.isPresent() ? "updated" : "registered",
        nodeId);
  }

  private void closed(String nodeId) {
    Integer streams = open.get(nodeId);
    if (streams == null) {
      return; // not a node that registered itself here
    }
    if (streams > 1) {
      open.put(nodeId, streams - 1);
      return;
    }
    open.remove(nodeId);
    pending.put(
        nodeId,
        scheduler.schedule(
            () -> deregister(nodeId),
            settings.deregistrationDelay().toMillis(),
            TimeUnit.MILLISECONDS));
  }

  private void deregister(String nodeId) {
    pending.remove(nodeId);
    if (closing || open.containsKey(nodeId)) {
      return;
    }
    if (presence.apply(nodeId).connected()) {
      LOG.info("Dataplane kept node={}: its proxy is connected to another gateway", nodeId);
      return;
    }
    Keys.MeshAnd node = Keys.parseProxy(nodeId).orElseThrow();
    Optional<MeshKeys.Registered> registered = state.registered(node.mesh(), node.rest());
    if (registered.isEmpty()) {
      return;
    }
    String proxy = ACTOR_PREFIX + nodeId;
    if (!registered.get().createdBy().equals(proxy) || !registered.get().actor().equals(proxy)) {
      LOG.info(
          "Dataplane kept node={}: created by {} and last written by {}, not both by its proxy",
          nodeId,
          registered.get().createdBy(),
          registered.get().actor());
      return;
    }
    submit.accept(
        command(
            node, CommandKind.DELETE, null, registered.get().revision(), ACTOR_PREFIX + nodeId));
    LOG.info("Dataplane deregistered node={} (its proxy disconnected)", nodeId);
  }

  /**
   * {@code dataplane} without its inbounds' {@code state} and {@code health}, which its proxy's
   * health checks write (HDS): a carried Dataplane is compared without them.
   */
  static DataplaneResource withoutReadiness(DataplaneResource dataplane) {
    DataplaneResource.Builder b = DataplaneResource.newBuilder(dataplane);
    b.setInbound(
        dataplane.getInbound().stream()
            .map(in -> Inbound.newBuilder(in).setState(null).setHealth(null).build())
            .toList());
    return b.build();
  }

  private void sweepLogged() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.error("Dataplane cleanup failed; trying again next round", e);
    }
  }

  /** Deletes every dataplane offline for longer than the cleanup age. */
  void sweep() {
    if (closing || !presenceCaughtUp.getAsBoolean()) {
      return;
    }
    Instant oldest = clock.instant().minus(settings.cleanupAge());
    for (String nodeId : state.dataplaneNodes()) {
      ProxyConnection connection = presence.apply(nodeId);
      if (connection.connected()
          || connection.disconnectedAt() == null
          || !connection.disconnectedAt().isBefore(oldest)
          || open.containsKey(nodeId)) {
        continue; // online, never connected, or offline for less than the age
      }
      Keys.MeshAnd node = Keys.parseProxy(nodeId).orElseThrow();
      state
          .registered(node.mesh(), node.rest())
          .ifPresent(
              r -> {
                submit.accept(command(node, CommandKind.DELETE, null, r.revision(), CLEANUP_ACTOR));
                LOG.info(
                    "Dataplane cleaned up node={} offlineSince={} cleanupAge={}",
                    nodeId,
                    connection.disconnectedAt(),
                    settings.cleanupAge());
              });
    }
  }

  private Command command(
      Keys.MeshAnd node,
      CommandKind kind,
      DataplaneResource payload,
      Long expectedRevision,
      String actor) {
    return Command.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setMesh(node.mesh())
        .setResourceType(ResourceType.DATAPLANE.name())
        .setName(node.rest())
        .setKind(kind)
        .setPayload(payload)
        .setExpectedRevision(expectedRevision)
        .setCreateOnly(false)
        .setCascade(false)
        .setIdempotencyKey(null)
        .setActor(actor)
        .setRequestedAt(clock.instant())
        .build();
  }

  private void run(Runnable task) {
    try {
      scheduler.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              LOG.error("Dataplane lifecycle step failed", e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  /**
   * Stops: nothing is registered or deleted from now on, and waiting deregistrations are dropped (a
   * control plane that shuts down leaves its dataplanes for the gateways that stay).
   */
  @Override
  public void close() {
    closing = true;
    scheduler.shutdownNow();
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("Closing {} failed: {}", resource, e.toString());
      }
    }
  }
}
