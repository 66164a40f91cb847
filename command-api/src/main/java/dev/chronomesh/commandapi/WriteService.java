package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.meshmodel.view.EventView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path: send the command to the single-writer decider, wait for its result, then until
 * this process's view has read the events the decider committed with it. Every wait is bounded by
 * the write timeout; past it the caller gets 504 with the place to ask for the outcome later.
 */
final class WriteService {
  private static final Logger LOG = LoggerFactory.getLogger(WriteService.class);

  private final EventView view;
  private final CommandClient client;
  private final Admin admin;
  private final String eventsTopic;
  private final Duration timeout;

  WriteService(
      EventView view, CommandClient client, Admin admin, String eventsTopic, Duration timeout) {
    this.view = view;
    this.client = client;
    this.admin = admin;
    this.eventsTopic = eventsTopic;
    this.timeout = timeout;
  }

  /**
   * Submits {@code command} and returns its result once the view reflects it.
   *
   * @throws ApiProblem 503 when not ready or Kafka refuses the command, 504 (with Retry-After and
   *     Location) when the outcome or the view does not arrive in time
   */
  CommandResult submit(Command command) {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!view.isReady()) {
      throw new ApiProblem(
          503,
          "not ready: still reading the event log; retry shortly",
          List.of(),
          Map.of("Retry-After", "1"));
    }
    CommandClient.Submission submission;
    try {
      submission = client.submit(command);
    } catch (KafkaException | IllegalStateException e) {
      LOG.warn("Cannot send command requestId={}", command.getRequestId(), e);
      throw new ApiProblem(
          503, "cannot write to Kafka: " + e.getMessage(), List.of(), Map.of("Retry-After", "1"));
    }
    CommandResult result;
    try {
      submission.sent().get(remaining(deadline), TimeUnit.NANOSECONDS);
      result = submission.outcome().get(remaining(deadline), TimeUnit.NANOSECONDS);
      if (!result.getChanges().isEmpty()) {
        awaitView(command.getMesh(), deadline);
      }
    } catch (TimeoutException e) {
      throw timedOut(command.getRequestId());
    } catch (ExecutionException e) {
      // The send failed (nothing written: stop awaiting it) or, after the result, the end-offset
      // lookup did (then the request is no longer awaited anyway).
      client.forget(command.getRequestId());
      LOG.warn("Command not written requestId={}", command.getRequestId(), e.getCause());
      throw new ApiProblem(
          503,
          "Kafka did not take the command: " + e.getCause().getMessage(),
          List.of(),
          Map.of("Retry-After", "1"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiProblem(503, "interrupted while writing");
    }
    return result;
  }

  /** Waits until the view has read everything committed in the mesh's events partition. */
  void awaitView(String mesh, long deadline)
      throws InterruptedException, TimeoutException, ExecutionException {
    int partition = MeshPartitioner.partitionFor(mesh, view.partitionCount());
    TopicPartition tp = new TopicPartition(eventsTopic, partition);
    long end =
        admin
            .listOffsets(
                Map.of(tp, OffsetSpec.latest()),
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .partitionResult(tp)
            .get(remaining(deadline), TimeUnit.NANOSECONDS)
            .offset();
    if (!view.awaitPosition(partition, end, deadline)) {
      throw new TimeoutException("view at partition " + partition + " below " + end);
    }
  }

  /** Waits for the view to reflect everything committed so far in the mesh (dry runs, reads). */
  void catchUp(String mesh) {
    try {
      awaitView(mesh, System.nanoTime() + timeout.toNanos());
    } catch (TimeoutException e) {
      throw new ApiProblem(
          504,
          "the event view did not catch up within " + timeout,
          List.of(),
          Map.of("Retry-After", "1"));
    } catch (ExecutionException e) {
      throw new ApiProblem(503, "cannot read the event log's end: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiProblem(503, "interrupted");
    }
  }

  private ApiProblem timedOut(String requestId) {
    return new ApiProblem(
        504,
        "the command was not decided within "
            + timeout
            + "; it may still be applied: GET /commands/"
            + requestId
            + " tells its outcome",
        List.of(),
        Map.of(
            "Retry-After", "1", "Location", "/commands/" + ResourceRoutes.encodePath(requestId)));
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }
}
