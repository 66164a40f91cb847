package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.Command;
import dev.chronomesh.meshmodel.Decider;
import dev.chronomesh.meshmodel.Decision;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path of the walking skeleton: read the mesh from the view, decide, append the event,
 * wait until the view has read it back. Writes of one mesh are serialized inside this process by a
 * lock (striped by mesh name), so one instance never loses an update. Across instances two writers
 * could still decide against the same state between the catch-up read and the append: the single
 * writer per mesh arrives with the Kafka Streams decider, which runs the same {@link Decider}.
 */
final class WriteService {
  private static final Logger LOG = LoggerFactory.getLogger(WriteService.class);
  private static final int STRIPES = 64;

  /** What an accepted command did; {@code resource} is the stored resource after an upsert. */
  record Outcome(boolean created, Resource resource, ResourceEvent event) {}

  private final EventView view;
  private final EventWriter writer;
  private final Admin admin;
  private final String topic;
  private final Duration timeout;
  private final Stripe[] stripes = new Stripe[STRIPES];

  /** One lock per group of meshes, and the last append of that group not yet seen confirmed. */
  private static final class Stripe {
    final ReentrantLock lock = new ReentrantLock();
    Pending pending;
  }

  private record Pending(Future<RecordMetadata> future, int partition) {}

  WriteService(EventView view, EventWriter writer, Admin admin, String topic, Duration timeout) {
    this.view = view;
    this.writer = writer;
    this.admin = admin;
    this.topic = topic;
    this.timeout = timeout;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  Outcome apply(Command command) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String mesh = command.mesh();
    Stripe stripe = stripes[Math.floorMod(mesh.hashCode(), STRIPES)];
    try {
      if (!stripe.lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new ApiProblem(503, "too many concurrent writes to mesh \"" + mesh + "\"; retry");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiProblem(503, "interrupted while waiting to write");
    }
    try {
      return applyLocked(command, stripe, deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiProblem(503, "interrupted while writing");
    } finally {
      stripe.lock.unlock();
    }
  }

  private Outcome applyLocked(Command command, Stripe stripe, long deadline)
      throws InterruptedException {
    String mesh = command.mesh();
    if (!view.isReady()) {
      throw new ApiProblem(503, "not ready: still reading the event log; retry shortly");
    }
    settle(stripe, mesh, deadline);
    int partition = writer.partitionFor(mesh);
    catchUp(partition, deadline);

    MeshState state = view.mesh(mesh);
    Decision decision = Decider.decide(command, state);
    Decision.Accepted accepted =
        switch (decision) {
          case Decision.Rejected rejected -> throw rejection(rejected);
          case Decision.Accepted a -> a;
        };
    ResourceEvent last = null;
    for (ResourceEvent event : accepted.events()) {
      append(event, stripe, partition, deadline);
      last = event;
    }
    Resource stored =
        command instanceof Command.Upsert
            ? view.mesh(mesh).get(command.type(), command.name()).orElse(null)
            : null;
    return new Outcome(accepted.created(), stored, last);
  }

  private void append(ResourceEvent event, Stripe stripe, int partition, long deadline)
      throws InterruptedException {
    Future<RecordMetadata> future;
    try {
      future = writer.send(event);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new ApiProblem(
          504, "Kafka did not accept the write within " + timeout + ": " + e.getMessage());
    } catch (KafkaException | IllegalStateException e) {
      LOG.warn("Cannot send event mesh={} name={}", event.getMesh(), event.getName(), e);
      throw new ApiProblem(503, "cannot write to Kafka: " + e.getMessage());
    }
    stripe.pending = new Pending(future, partition);
    RecordMetadata metadata;
    try {
      metadata = future.get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new ApiProblem(
          504,
          "Kafka did not confirm the write within "
              + timeout
              + "; it may still be applied: check with a GET before retrying");
    } catch (ExecutionException e) {
      stripe.pending = null;
      LOG.warn("Event not written mesh={} name={}", event.getMesh(), event.getName(), e.getCause());
      int status =
          e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException ? 504 : 503;
      throw new ApiProblem(status, "Kafka did not take the write: " + e.getCause().getMessage());
    }
    LOG.info(
        "Appended event mesh={} type={} name={} revision={} kind={} partition={} offset={}"
            + " requestId={} actor={}",
        event.getMesh(),
        event.getResourceType(),
        event.getName(),
        event.getRevision(),
        event.getKind(),
        metadata.partition(),
        metadata.offset(),
        event.getRequestId(),
        event.getActor());
    if (!view.awaitPosition(metadata.partition(), metadata.offset() + 1, deadline)) {
      throw new ApiProblem(
          504,
          "written at partition "
              + metadata.partition()
              + " offset "
              + metadata.offset()
              + ", but not yet visible to reads within "
              + timeout);
    }
    stripe.pending = null;
  }

  /** Waits for the stripe's last unconfirmed append, so no decision ignores it. */
  private void settle(Stripe stripe, String mesh, long deadline) throws InterruptedException {
    Pending pending = stripe.pending;
    if (pending == null) {
      return;
    }
    try {
      RecordMetadata metadata = pending.future().get(remaining(deadline), TimeUnit.NANOSECONDS);
      if (!view.awaitPosition(pending.partition(), metadata.offset() + 1, deadline)) {
        throw new ApiProblem(
            503, "an earlier write to mesh \"" + mesh + "\" is not visible yet; retry shortly");
      }
    } catch (TimeoutException e) {
      throw new ApiProblem(
          503, "an earlier write to mesh \"" + mesh + "\" is not confirmed yet; retry shortly");
    } catch (ExecutionException e) {
      // That append failed: nothing was written, nothing to wait for.
      LOG.debug("Earlier append failed mesh={}", mesh, e.getCause());
    }
    stripe.pending = null;
  }

  /** Waits until the view has read everything committed in the mesh's partition so far. */
  private void catchUp(int partition, long deadline) throws InterruptedException {
    TopicPartition tp = new TopicPartition(topic, partition);
    long end;
    try {
      end =
          admin
              .listOffsets(
                  Map.of(tp, OffsetSpec.latest()),
                  new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
              .partitionResult(tp)
              .get(remaining(deadline), TimeUnit.NANOSECONDS)
              .offset();
    } catch (TimeoutException e) {
      throw new ApiProblem(504, "Kafka did not answer within " + timeout);
    } catch (ExecutionException e) {
      throw new ApiProblem(503, "cannot read the event log's end: " + e.getCause().getMessage());
    }
    if (!view.awaitPosition(partition, end, deadline)) {
      throw new ApiProblem(504, "the event view did not catch up within " + timeout);
    }
  }

  private static ApiProblem rejection(Decision.Rejected rejected) {
    int status =
        switch (rejected.reason()) {
          case INVALID -> 400;
          case NOT_FOUND -> 404;
          case CONFLICT -> 409;
        };
    return new ApiProblem(status, rejected.detail(), rejected.violations());
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }
}
