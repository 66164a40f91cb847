package dev.chronomesh.commandapi.decider;

import dev.chronomesh.events.DeadLetters;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.ResourceChange;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.Decider;
import dev.chronomesh.meshmodel.Decision;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Violation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each command against its mesh's state, read from the resources store: accepted events are
 * forwarded to the events sink and applied to the store, and one result to the results sink. With
 * exactly-once all of it commits in one transaction with the command's offset.
 */
final class DecideProcessor implements Processor<String, byte[], String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(DecideProcessor.class);
  private static final Map<Integer, String> TITLES =
      Map.of(
          200, "OK",
          201, "Created",
          400, "Bad Request",
          404, "Not Found",
          409, "Conflict",
          412, "Precondition Failed");

  private final Deserializer<Command> deserializer;
  private final String topic;
  private ProcessorContext<String, Object> context;
  private KeyValueStore<String, ResourceEvent> resources;
  private KeyValueStore<String, CommandResult> idempotency;

  DecideProcessor(Deserializer<Command> deserializer, String topic) {
    this.deserializer = deserializer;
    this.topic = topic;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.resources = context.getStateStore(DeciderTopology.RESOURCES_STORE);
    this.idempotency = context.getStateStore(DeciderTopology.IDEMPOTENCY_STORE);
    context.schedule(
        DeciderTopology.IDEMPOTENCY_SWEEP, PunctuationType.WALL_CLOCK_TIME, this::forgetOldKeys);
  }

  /**
   * Forgets idempotency keys decided longer than {@link DeciderTopology#IDEMPOTENCY_RETENTION} ago
   * (as long as commands are kept), so the store does not grow forever.
   */
  private void forgetOldKeys(long now) {
    Instant cutoff = Instant.ofEpochMilli(now).minus(DeciderTopology.IDEMPOTENCY_RETENTION);
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, CommandResult> it = idempotency.all()) {
      while (it.hasNext()) {
        KeyValue<String, CommandResult> kv = it.next();
        if (kv.value.getDecidedAt().isBefore(cutoff)) {
          old.add(kv.key);
        }
      }
    }
    old.forEach(idempotency::delete);
    if (!old.isEmpty()) {
      LOG.info("Forgot idempotency keys count={} decidedBefore={}", old.size(), cutoff);
    }
  }

  /**
   * Sends an unreadable command, with where it came from, to the dead-letter topic (the headers
   * Kafka Streams' own dead-letter records carry), and logs it. There is no request id to answer.
   */
  private void deadLetter(Record<String, byte[]> record, RuntimeException e) {
    String source = "?";
    String partition = "?";
    String offset = "?";
    if (context.recordMetadata().isPresent()) {
      var meta = context.recordMetadata().get();
      source = meta.topic();
      partition = Integer.toString(meta.partition());
      offset = Long.toString(meta.offset());
    }
    LOG.error(
        "Unreadable command sent to the dead-letter topic key={} topic={} partition={} offset={}:"
            + " {}",
        record.key(),
        source,
        partition,
        offset,
        e.toString());
    var headers =
        DeadLetters.headers(
            source, partition, offset, e.getClass().getName(), String.valueOf(e.getMessage()));
    context.forward(
        new Record<String, Object>(record.key(), record.value(), record.timestamp(), headers),
        DeciderTopology.DEAD_LETTERS_SINK);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    Command command;
    try {
      command = record.value() == null ? null : deserializer.deserialize(topic, record.value());
    } catch (RuntimeException e) {
      deadLetter(record, e);
      return;
    }
    if (command == null || command.getRequestId() == null || command.getRequestId().isEmpty()) {
      LOG.error("Skipping command without a request id key={}", record.key());
      return;
    }
    String idempotencyKey =
        command.getIdempotencyKey() == null
            ? null
            : Keys.meshScoped(command.getMesh(), command.getIdempotencyKey());
    if (idempotencyKey != null) {
      CommandResult first = idempotency.get(idempotencyKey);
      if (first != null) {
        CommandResult repeat = CommandResult.newBuilder(first).build();
        repeat.setRequestId(command.getRequestId());
        repeat.setRepeatOf(first.getRequestId());
        LOG.info(
            "Repeated command mesh={} requestId={} repeatOf={} status={}",
            command.getMesh(),
            command.getRequestId(),
            first.getRequestId(),
            first.getStatus());
        forwardResult(repeat, record);
        return;
      }
    }
    CommandResult result = decide(command, record);
    if (idempotencyKey != null && result.getStatus() < 500) {
      idempotency.put(idempotencyKey, result);
    }
    forwardResult(result, record);
  }

  private CommandResult decide(Command command, Record<String, byte[]> record) {
    Instant decidedAt = command.getRequestedAt() == null ? Instant.EPOCH : command.getRequestedAt();
    if (record.key() == null || !record.key().equals(command.getMesh())) {
      return rejected(
          command,
          decidedAt,
          400,
          "the command's key must be its mesh",
          List.of(new Violation("mesh", "key " + record.key() + " != mesh " + command.getMesh())));
    }
    Commands.Translation translation = Commands.toModel(command);
    if (translation.command() == null) {
      return rejected(
          command, decidedAt, 400, "the command is not valid", translation.violations());
    }
    dev.chronomesh.meshmodel.Command model = translation.command();
    Decision decision;
    try {
      decision = Decider.decide(model, load(model));
    } catch (RuntimeException e) {
      LOG.error(
          "Cannot decide command mesh={} requestId={}",
          command.getMesh(),
          command.getRequestId(),
          e);
      return rejected(command, decidedAt, 400, "the command cannot be decided: " + e, List.of());
    }
    return switch (decision) {
      case Decision.Rejected r -> {
        LOG.info(
            "Rejected command mesh={} type={} name={} requestId={} status={}: {}",
            command.getMesh(),
            command.getResourceType(),
            command.getName(),
            command.getRequestId(),
            r.status(),
            r.detail());
        yield rejected(command, decidedAt, r.status(), r.detail(), r.violations());
      }
      case Decision.Accepted a -> accept(command, decidedAt, a, record);
    };
  }

  private CommandResult accept(
      Command command, Instant decidedAt, Decision.Accepted accepted, Record<String, byte[]> rec) {
    List<ResourceChange> changes = new ArrayList<>();
    for (ResourceEvent event : accepted.events()) {
      resources.put(storeKey(event.getMesh(), event.getResourceType(), event.getName()), event);
      context.forward(
          new Record<String, Object>(event.getMesh(), event, rec.timestamp()),
          DeciderTopology.EVENTS_SINK);
      changes.add(
          new ResourceChange(
              event.getResourceType(),
              event.getMesh(),
              event.getName(),
              event.getRevision(),
              event.getKind()));
      LOG.info(
          "Decided event mesh={} type={} name={} revision={} kind={} requestId={} actor={}",
          event.getMesh(),
          event.getResourceType(),
          event.getName(),
          event.getRevision(),
          event.getKind(),
          event.getRequestId(),
          event.getActor());
    }
    int status = accepted.status();
    return new CommandResult(
        command.getRequestId(),
        command.getMesh(),
        status,
        TITLES.get(status),
        null,
        List.of(),
        changes,
        decidedAt,
        null);
  }

  /**
   * The part of the mesh the command can see: for a Mesh command every resource of the mesh, else
   * the Mesh and the command's resource (deciding needs no more, and it keeps each decision cheap).
   */
  private MeshState load(dev.chronomesh.meshmodel.Command command) {
    String mesh = command.mesh();
    List<ResourceEvent> last = new ArrayList<>();
    if (command.type().equals(ResourceType.MESH)) {
      try (KeyValueIterator<String, ResourceEvent> it =
          resources.prefixScan(Keys.meshPrefix(mesh), new StringSerializer())) {
        while (it.hasNext()) {
          KeyValue<String, ResourceEvent> kv = it.next();
          last.add(kv.value);
        }
      }
    } else {
      ResourceEvent meshEvent = resources.get(storeKey(mesh, ResourceType.MESH.name(), mesh));
      if (meshEvent != null) {
        last.add(meshEvent);
      }
      ResourceEvent own = resources.get(storeKey(mesh, command.type().name(), command.name()));
      if (own != null) {
        last.add(own);
      }
    }
    return MeshState.fromLastEvents(mesh, last);
  }

  static String storeKey(String mesh, String type, String name) {
    return Keys.resource(mesh, type, name);
  }

  private static CommandResult rejected(
      Command command, Instant decidedAt, int status, String detail, List<Violation> violations) {
    List<dev.chronomesh.events.avro.Violation> avro = new ArrayList<>();
    for (Violation v : violations) {
      avro.add(new dev.chronomesh.events.avro.Violation(v.field(), v.reason()));
    }
    return new CommandResult(
        command.getRequestId(),
        command.getMesh() == null ? "" : command.getMesh(),
        status,
        TITLES.getOrDefault(status, "Error"),
        detail,
        avro,
        List.of(),
        decidedAt,
        null);
  }

  private void forwardResult(CommandResult result, Record<String, byte[]> record) {
    context.forward(
        new Record<String, Object>(result.getRequestId(), result, record.timestamp()),
        DeciderTopology.RESULTS_SINK);
  }
}
