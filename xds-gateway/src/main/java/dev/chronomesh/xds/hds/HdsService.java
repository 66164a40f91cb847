package dev.chronomesh.xds.hds;

import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.xds.auth.MeshKeys;
import dev.chronomesh.xds.lifecycle.DataplaneLifecycle;
import io.envoyproxy.envoy.service.health.v3.EndpointHealthResponse;
import io.envoyproxy.envoy.service.health.v3.HealthCheckRequestOrEndpointHealthResponse;
import io.envoyproxy.envoy.service.health.v3.HealthCheckSpecifier;
import io.envoyproxy.envoy.service.health.v3.HealthDiscoveryServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's health discovery service (HDS) as kuma-cp serves it to kuma-dp's Envoy ({@code pkg/hds}):
 * on a stream's first request (which names the node; the stream was authenticated like ADS), the
 * proxy gets the checks of its Dataplane ({@link HealthChecks}), regenerated every refresh interval
 * and sent again when they change; each report it sends back that changes an inbound's readiness
 * ({@link HealthReports}) becomes an upsert of the Dataplane through the write path, by the
 * dataplane itself ({@value DataplaneLifecycle#ACTOR_PREFIX}{@code <mesh>.<name>}), naming the
 * revision it was computed from, so a concurrent write wins and the next report tries again. The
 * callers' endpoints then follow from the projection, as for any Dataplane change.
 *
 * <p>A node whose Dataplane does not exist yet (kuma-dp's registration is in flight) gets its
 * checks at the first refresh after it appears. The unary {@code FetchHealthCheck} is not served,
 * as in Kuma.
 */
public final class HdsService extends HealthDiscoveryServiceGrpc.HealthDiscoveryServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(HdsService.class);

  private final MeshKeys state;
  private final Consumer<Command> commands;
  private final HealthChecks.Settings settings;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;

  public HdsService(
      MeshKeys state,
      Consumer<Command> commands,
      HealthChecks.Settings settings,
      ScheduledExecutorService scheduler,
      Clock clock) {
    this.state = Objects.requireNonNull(state, "state");
    this.commands = Objects.requireNonNull(commands, "commands");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public StreamObserver<HealthCheckRequestOrEndpointHealthResponse> streamHealthCheck(
      StreamObserver<HealthCheckSpecifier> responses) {
    return new Stream((ServerCallStreamObserver<HealthCheckSpecifier>) responses);
  }

  /**
   * One proxy's HDS stream. gRPC calls its methods one at a time; the checks and the reports are
   * handled on the scheduler's one thread (a report's write may wait on Kafka).
   */
  private final class Stream implements StreamObserver<HealthCheckRequestOrEndpointHealthResponse> {
    private final ServerCallStreamObserver<HealthCheckSpecifier> out;

    /** Guards {@link #out}, {@link #sent} and {@link #closed} against the refresh. */
    private final Object lock = new Object();

    private Keys.MeshAnd node;
    private HealthCheckSpecifier sent;
    private volatile ScheduledFuture<?> refresh;
    private boolean closed;

    /**
     * The revision the last upsert was computed from and when it was sent, so a report repeats none
     * in flight; one not decided after a refresh interval (lost) is sent again. Only the scheduler
     * thread.
     */
    private long submittedFrom = -1;

    private java.time.Instant submittedAt = java.time.Instant.MIN;

    /** The revision {@link #sent} was generated from; only the scheduler thread. */
    private long sentFrom = -1;

    Stream(ServerCallStreamObserver<HealthCheckSpecifier> out) {
      this.out = out;
      out.setOnCancelHandler(this::stop);
    }

    @Override
    public void onNext(HealthCheckRequestOrEndpointHealthResponse message) {
      if (message.hasHealthCheckRequest() && node == null) {
        String nodeId = message.getHealthCheckRequest().getNode().getId();
        Optional<Keys.MeshAnd> parsed = Keys.parseProxy(nodeId);
        if (parsed.isEmpty()) {
          fail(Status.INVALID_ARGUMENT.withDescription("the node id is not <mesh>.<name>"));
          return;
        }
        node = parsed.get();
        LOG.info("HDS stream opened node={}", nodeId);
        long every = settings.refresh().toMillis();
        refresh =
            scheduler.scheduleWithFixedDelay(this::sendChecks, 0, every, TimeUnit.MILLISECONDS);
        return;
      }
      if (node == null) {
        fail(Status.INVALID_ARGUMENT.withDescription("the first message must name the node"));
        return;
      }
      if (message.hasEndpointHealthResponse()) {
        // Off the gRPC threads: the write may wait on Kafka.
        EndpointHealthResponse response = message.getEndpointHealthResponse();
        scheduler.execute(() -> reportLogged(response));
      }
    }

    private void reportLogged(EndpointHealthResponse response) {
      try {
        report(response);
      } catch (RuntimeException e) {
        LOG.warn(
            "Could not apply a health report node={}.{}: {}",
            node.mesh(),
            node.rest(),
            e.toString());
      }
    }

    private void report(EndpointHealthResponse response) {
      Optional<MeshKeys.Registered> registered = state.registered(node.mesh(), node.rest());
      if (registered.isEmpty()
          || (registered.get().revision() == submittedFrom
              && clock.instant().isBefore(submittedAt.plus(settings.refresh())))) {
        return;
      }
      Optional<DataplaneResource> updated =
          HealthReports.apply(registered.get().resource(), response);
      if (updated.isEmpty()) {
        return;
      }
      submittedFrom = registered.get().revision();
      submittedAt = clock.instant();
      String nodeId = Keys.proxy(node.mesh(), node.rest());
      LOG.info(
          "Inbound readiness changed by health checks node={} revision={}", nodeId, submittedFrom);
      commands.accept(
          Command.newBuilder()
              .setRequestId(UUID.randomUUID().toString())
              .setMesh(node.mesh())
              .setResourceType(ResourceType.DATAPLANE.name())
              .setName(node.rest())
              .setKind(CommandKind.UPSERT)
              .setPayload(updated.get())
              .setExpectedRevision(submittedFrom)
              .setCreateOnly(false)
              .setCascade(false)
              .setIdempotencyKey(null)
              .setActor(DataplaneLifecycle.ACTOR_PREFIX + nodeId)
              .setRequestedAt(clock.instant())
              .build());
    }

    /** Sends the node's checks when its Dataplane exists and they differ from the last sent. */
    private void sendChecks() {
      try {
        Optional<MeshKeys.Registered> registered = state.registered(node.mesh(), node.rest());
        if (registered.isEmpty() || registered.get().revision() == sentFrom) {
          return; // not there yet, or unchanged since the checks were sent
        }
        HealthCheckSpecifier checks = HealthChecks.of(registered.get().resource(), settings);
        sentFrom = registered.get().revision();
        synchronized (lock) {
          if (closed || checks.equals(sent)) {
            return;
          }
          out.onNext(checks);
          sent = checks;
        }
      } catch (RuntimeException e) {
        LOG.warn(
            "Could not send health checks node={}.{}: {}", node.mesh(), node.rest(), e.toString());
      }
    }

    private void fail(Status status) {
      synchronized (lock) {
        if (!closed) {
          closed = true;
          out.onError(status.asRuntimeException());
        }
      }
      stop();
    }

    private void stop() {
      ScheduledFuture<?> r = refresh;
      if (r != null) {
        r.cancel(false);
      }
      synchronized (lock) {
        closed = true;
      }
    }

    @Override
    public void onError(Throwable t) {
      stop();
    }

    @Override
    public void onCompleted() {
      synchronized (lock) {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
      stop();
    }
  }
}
