package dev.chronomesh.commandapi.decider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.TokenRevocationResource;
import dev.chronomesh.meshmodel.Command.Conditions;
import dev.chronomesh.meshmodel.Command.EntityTags;
import dev.chronomesh.meshmodel.InternalTypes;
import dev.chronomesh.meshmodel.Violation;
import java.time.Instant;
import java.util.List;
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
    assertThat(upsert.conditions()).isEqualTo(Conditions.ifMatch(2));
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
  void conditionsSurviveTheCommandRecord() {
    List<Conditions> shapes =
        List.of(
            Conditions.NONE,
            Conditions.ifMatch(3),
            Conditions.createOnly(),
            new Conditions(new EntityTags.Any(), null),
            new Conditions(new EntityTags.Revisions(List.of(4L, 3L)), null),
            new Conditions(new EntityTags.Revisions(List.of()), null),
            new Conditions(null, new EntityTags.Revisions(List.of(5L, 6L))),
            new Conditions(new EntityTags.Revisions(List.of(3L)), new EntityTags.Any()));
    for (Conditions conditions : shapes) {
      Command command = Commands.withConditions(revocation(), conditions).build();

      assertThat(Commands.toModel(command).command().conditions())
          .as("%s as %s", conditions, command)
          .isEqualTo(conditions);
    }
  }

  @Test
  void oneExpectedRevisionGoesWhereOlderDecidersReadIt() {
    Command one = Commands.withConditions(revocation(), Conditions.ifMatch(3)).build();
    Command two =
        Commands.withConditions(
                revocation(), new Conditions(new EntityTags.Revisions(List.of(3L, 4L)), null))
            .build();

    assertThat(one.getExpectedRevision()).isEqualTo(3L);
    assertThat(one.getExpectedRevisions()).isNull();
    assertThat(two.getExpectedRevision()).isNull();
    assertThat(two.getExpectedRevisions()).containsExactly(3L, 4L);
  }

  @Test
  void rejectsConditionsThatContradictThemselves() {
    Command command =
        revocation()
            .setExpectedRevision(3L)
            .setMustExist(true)
            .setExpectedRevisions(List.of(0L))
            .setCreateOnly(true)
            .setUnexpectedRevisions(List.of(2L))
            .build();

    assertThat(Commands.toModel(command).violations())
        .extracting(Violation::field)
        .containsExactlyInAnyOrder("expectedRevisions", "mustExist", "unexpectedRevisions");
    assertThat(
            Commands.toModel(revocation().setUnexpectedRevisions(List.of(-1L)).build())
                .violations())
        .extracting(Violation::field)
        .containsExactly("unexpectedRevisions");
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
