package dev.chronomesh.commandapi.decider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.TokenRevocationResource;
import dev.chronomesh.meshmodel.InternalTypes;
import dev.chronomesh.meshmodel.Violation;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CommandsTest {
  private static final Instant T0 = Instant.parse("2025-06-01T00:00:00Z");

  private static Command.Builder revocation() {
    return Command.newBuilder()
        .setRequestId("r-1")
        .setMesh("_global")
        .setResourceType("TokenRevocation")
        .setName("jti-1")
        .setKind(CommandKind.UPSERT)
        .setPayload(new TokenRevocationResource("jti-1", "_global", "user"))
        .setActor("root@127.0.0.1")
        .setRequestedAt(T0);
  }

  @Test
  void translatesAValidCommandWithAStableEventId() {
    Commands.Translation t = Commands.toModel(revocation().setExpectedRevision(2L).build());

    assertThat(t.violations()).isEmpty();
    var upsert = (dev.chronomesh.meshmodel.Command.Upsert) t.command();
    assertThat(upsert.type()).isEqualTo(InternalTypes.TOKEN_REVOCATION);
    assertThat(upsert.conditions().expectedRevision()).isEqualTo(2L);
    assertThat(upsert.metadata().eventId())
        .isEqualTo(Commands.toModel(revocation().build()).command().metadata().eventId());
  }

  @Test
  void collectsEveryProblemWithItsField() {
    Commands.Translation t =
        Commands.toModel(
            revocation()
                .setResourceType("Mesh")
                .setName("other")
                .setExpectedRevision(0L)
                .setIdempotencyKey("")
                .setCascade(true)
                .build());

    assertThat(t.command()).isNull();
    assertThat(t.violations())
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "mesh", "payload", "expectedRevision", "idempotencyKey", "cascade");
  }

  @Test
  void rejectsUnknownTypesAndDeletesWithAPayload() {
    assertThat(Commands.toModel(revocation().setResourceType("Nope").build()).violations())
        .extracting(Violation::field)
        .containsExactly("resourceType");
    assertThat(Commands.toModel(revocation().setKind(CommandKind.DELETE).build()).violations())
        .extracting(Violation::field)
        .containsExactly("payload");
    assertThat(Commands.toModel(revocation().setPayload(null).build()).violations())
        .extracting(Violation::field)
        .containsExactly("payload");
  }
}
