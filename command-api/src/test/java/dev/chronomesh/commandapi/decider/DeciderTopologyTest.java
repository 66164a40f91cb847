package dev.chronomesh.commandapi.decider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.TokenRevocationResource;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.ResourceType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decider topology fed through TopologyTestDriver: commands in, events and results out. */
class DeciderTopologyTest {
  private static final Topics TOPICS = new Topics("t.");
  private static final Instant T0 = Instant.parse("2025-06-01T00:00:00Z");

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerde<Command> commands = AvroSerde.forValues(registry, Command.class);
  private final AvroSerde<ResourceEvent> events =
      AvroSerde.forValues(registry, ResourceEvent.class);
  private final AvroSerde<CommandResult> results =
      AvroSerde.forValues(registry, CommandResult.class);
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> in;
  private TestOutputTopic<String, ResourceEvent> eventsOut;
  private TestOutputTopic<String, CommandResult> resultsOut;
  private Path stateDir;
  private int sequence;

  @BeforeEach
  void start() throws Exception {
    stateDir = Files.createTempDirectory("decider-test");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "decider-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver =
        new TopologyTestDriver(DeciderTopology.build(TOPICS, commands, events, results), props);
    in =
        driver.createInputTopic(
            TOPICS.commands(), new StringSerializer(), new ByteArraySerializer());
    eventsOut =
        driver.createOutputTopic(TOPICS.events(), new StringDeserializer(), events.deserializer());
    resultsOut =
        driver.createOutputTopic(
            TOPICS.commandResults(), new StringDeserializer(), results.deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void aNewMeshIsWrittenWithKumasDefaultPoliciesInOneResult() {
    send(
        upsertMesh("default")
            .setPayload((MeshResource) parse(ResourceType.MESH, "type: Mesh\nname: default"))
            .build());

    assertThat(eventsOut.readValuesToList())
        .extracting(e -> e.getResourceType() + "/" + e.getName() + " " + e.getActor())
        .containsExactly(
            "Mesh/default admin@127.0.0.1",
            "MeshCircuitBreaker/mesh-circuit-breaker-all-default system",
            "MeshTimeout/mesh-gateways-timeout-all-default system",
            "MeshRetry/mesh-retry-all-default system",
            "MeshTimeout/mesh-timeout-all-default system");
    var result = resultsOut.readKeyValue().value;
    assertThat(result.getStatus()).isEqualTo(201);
    assertThat(result.getChanges()).hasSize(5);
    assertThat(result.getChanges().get(0).getResourceType()).isEqualTo("Mesh");
  }

  @Test
  void acceptedCommandAppendsItsEventAndAnswersCreated() {
    send(upsertMesh("default").build());

    ResourceEvent event = eventsOut.readValue();
    assertThat(event.getMesh()).isEqualTo("default");
    assertThat(event.getRevision()).isEqualTo(1);
    assertThat(event.getOccurredAt()).isEqualTo(T0.plusSeconds(1));
    var result = resultsOut.readKeyValue();
    assertThat(result.key).isEqualTo("req-1");
    assertThat(result.value.getStatus()).isEqualTo(201);
    assertThat(result.value.getChanges()).hasSize(1);
    KeyValueStore<String, ResourceEvent> store =
        driver.getKeyValueStore(DeciderTopology.RESOURCES_STORE);
    assertThat(store.get("default/Mesh/default").getRevision()).isEqualTo(1);
  }

  @Test
  void staleExpectedRevisionIsRejectedWith412AndNoEvent() {
    givenMeshDefaultAtRevisionTwo();

    send(upsertMesh("default").setExpectedRevision(1L).build());

    assertThat(eventsOut.isEmpty()).isTrue();
    CommandResult result = resultsOut.readValue();
    assertThat(result.getStatus()).isEqualTo(412);
    assertThat(result.getDetail()).contains("revision 2, expected 1");
  }

  @Test
  void entityTagListsAndStarAreDecidedFromTheCommandRecord() {
    givenMeshDefaultAtRevisionTwo();

    send(upsertMesh("default").setExpectedRevisions(List.of(1L, 3L)).build());
    send(upsertMesh("default").setExpectedRevisions(List.of()).build());
    send(upsertMesh("default").setUnexpectedRevisions(List.of(2L)).build());
    send(upsertMesh("other").setMustExist(true).build());
    assertThat(eventsOut.isEmpty()).isTrue();
    send(upsertMesh("default").setExpectedRevisions(List.of(1L, 2L)).build());
    send(upsertMesh("default").setMustExist(true).setIdempotencyKey("star").build());

    assertThat(resultsOut.readValuesToList())
        .extracting(CommandResult::getStatus)
        .containsExactly(412, 412, 412, 412, 200, 200);
    assertThat(eventsOut.readValuesToList())
        .extracting(ResourceEvent::getRevision)
        .containsExactly(3L, 4L);
  }

  @Test
  void sameIdempotencyKeyGetsTheFirstOutcomeAndNoNewEvent() {
    send(upsertMesh("default").setIdempotencyKey("k1").build());
    send(upsertMesh("default").setIdempotencyKey("k1").build());
    send(upsertMesh("default").setIdempotencyKey("k1").build());

    assertThat(eventsOut.readValuesToList()).hasSize(1);
    List<CommandResult> out = resultsOut.readValuesToList();
    assertThat(out).extracting(CommandResult::getStatus).containsExactly(201, 201, 201);
    assertThat(out).extracting(CommandResult::getRepeatOf).containsExactly(null, "req-1", "req-1");
    assertThat(out)
        .extracting(CommandResult::getRequestId)
        .containsExactly("req-1", "req-2", "req-3");
    assertThat(out.get(2).getChanges()).isEqualTo(out.get(0).getChanges());
  }

  @Test
  void idempotencyKeysAreForgottenAfterTheirRetention() {
    // Decided at T0 (long ago): the sweep removes the key, so a retry is decided anew.
    send(upsertMesh("default").setIdempotencyKey("k-old").build());
    KeyValueStore<String, CommandResult> keys =
        driver.getKeyValueStore(DeciderTopology.IDEMPOTENCY_STORE);
    assertThat(keys.get("default/k-old")).isNotNull();

    driver.advanceWallClockTime(java.time.Duration.ofMinutes(11));

    assertThat(keys.get("default/k-old")).isNull();
    send(upsertMesh("default").setIdempotencyKey("k-old").build());
    assertThat(eventsOut.readValuesToList()).hasSize(2);
  }

  @Test
  void cascadeDeleteEmitsOneEventPerResourceThenTheMesh() {
    send(upsertMesh("default").build());
    send(upsertDataplane("default", "web-1").build());
    send(upsertDataplane("default", "web-2").build());
    eventsOut.readValuesToList();
    resultsOut.readValuesToList();

    send(delete("Mesh", "default", "default").build());
    assertThat(resultsOut.readValue().getStatus()).isEqualTo(409);
    send(delete("Mesh", "default", "default").setCascade(true).build());

    assertThat(eventsOut.readValuesToList())
        .extracting(e -> e.getKind() + " " + e.getResourceType() + "/" + e.getName())
        .containsExactly(
            "DELETED Dataplane/web-1", "DELETED Dataplane/web-2", "DELETED Mesh/default");
    CommandResult result = resultsOut.readValue();
    assertThat(result.getStatus()).isEqualTo(200);
    assertThat(result.getChanges()).hasSize(3);
  }

  @Test
  void invalidAndUnreadableCommandsNeverStopTheDecider() {
    in.pipeInput("default", new byte[] {1, 2, 3});
    send(
        upsertMesh("default")
            .setPayload(new TokenRevocationResource("x", "default", "user"))
            .build());
    send(upsertMesh("default").setResourceType("Nope").build());
    in.pipeInput(
        "other",
        commands.serialize(
            TOPICS.commands(), upsertMesh("default").setRequestId("wrong-key").build()));
    send(upsertMesh("default").build());

    List<CommandResult> out = resultsOut.readValuesToList();
    assertThat(out).extracting(CommandResult::getStatus).containsExactly(400, 400, 400, 201);
    assertThat(eventsOut.readValuesToList()).hasSize(1);
    var deadLetters =
        driver.createOutputTopic(
            TOPICS.deadLetters(),
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    var dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).value()).containsExactly(1, 2, 3);
    assertThat(
            new String(
                dead.get(0).headers().lastHeader("__streams.errors.topic").value(),
                java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(TOPICS.commands());
  }

  @Test
  void globalTokenRevocationsNeedNoMesh() {
    send(
        Command.newBuilder()
            .setRequestId(nextId())
            .setMesh("_global")
            .setResourceType("TokenRevocation")
            .setName("jti-1")
            .setKind(CommandKind.UPSERT)
            .setPayload(new TokenRevocationResource("jti-1", "_global", "user"))
            .setCreateOnly(true)
            .setActor("admin@127.0.0.1")
            .setRequestedAt(T0.plusSeconds(sequence))
            .build());

    assertThat(resultsOut.readValue().getStatus()).isEqualTo(201);
    assertThat(eventsOut.readKeyValue().key).isEqualTo("_global");
  }

  @Test
  void deleteOfMissingResourceIs404() {
    send(upsertMesh("default").build());
    resultsOut.readValue();

    send(delete("Dataplane", "default", "nope").build());

    CommandResult result = resultsOut.readValue();
    assertThat(result.getStatus()).isEqualTo(404);
    assertThat(result.getTitle()).isEqualTo("Not Found");
  }

  // --- helpers ---

  /** Two upserts of mesh "default", their events and results already read. */
  private void givenMeshDefaultAtRevisionTwo() {
    send(upsertMesh("default").build());
    send(upsertMesh("default").build());
    eventsOut.readValuesToList();
    resultsOut.readValuesToList();
  }

  private void send(Command command) {
    in.pipeInput(command.getMesh(), commands.serialize(TOPICS.commands(), command));
  }

  private String nextId() {
    return "req-" + ++sequence;
  }

  private Command.Builder upsertMesh(String name) {
    return Command.newBuilder()
        .setRequestId(nextId())
        .setMesh(name)
        .setResourceType("Mesh")
        .setName(name)
        .setKind(CommandKind.UPSERT)
        // Without Kuma's default policies: these tests are about the decider, not the defaults.
        .setPayload(
            (MeshResource)
                parse(
                    ResourceType.MESH,
                    "type: Mesh\nname: " + name + "\nskipCreatingInitialPolicies: ['*']\n"))
        .setActor("admin@127.0.0.1")
        .setRequestedAt(T0.plusSeconds(sequence));
  }

  private Command.Builder upsertDataplane(String mesh, String name) {
    String yaml =
        "type: Dataplane\nmesh: "
            + mesh
            + "\nname: "
            + name
            + "\nnetworking:\n  address: 10.0.0.1\n  inbound:\n  - port: 80\n    tags:\n"
            + "      kuma.io/service: web\n";
    return Command.newBuilder()
        .setRequestId(nextId())
        .setMesh(mesh)
        .setResourceType("Dataplane")
        .setName(name)
        .setKind(CommandKind.UPSERT)
        .setPayload(parse(ResourceType.DATAPLANE, yaml))
        .setActor("admin@127.0.0.1")
        .setRequestedAt(T0.plusSeconds(sequence));
  }

  private Command.Builder delete(String type, String mesh, String name) {
    return Command.newBuilder()
        .setRequestId(nextId())
        .setMesh(mesh)
        .setResourceType(type)
        .setName(name)
        .setKind(CommandKind.DELETE)
        .setActor("admin@127.0.0.1")
        .setRequestedAt(T0.plusSeconds(sequence));
  }

  private static SpecificRecord parse(ResourceType type, String yaml) {
    try {
      return type.parse(yaml.getBytes(StandardCharsets.UTF_8), Format.YAML, null, null);
    } catch (Exception e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
