package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** Given events, when a command, then events or a rejection. */
class DeciderTest {
  private static final Instant T0 = Instant.parse("2025-06-01T00:00:00Z");
  private int sequence;

  @Test
  void createsAMeshAtRevisionOne() {
    given();

    Decision decision = when(upsertMesh("default"));

    assertThat(decision).isInstanceOf(Decision.Accepted.class);
    Decision.Accepted accepted = (Decision.Accepted) decision;
    assertThat(accepted.created()).isTrue();
    ResourceEvent event = accepted.events().get(0);
    assertThat(event.getKind()).isEqualTo(EventKind.UPSERTED);
    assertThat(event.getMesh()).isEqualTo("default");
    assertThat(event.getResourceType()).isEqualTo("Mesh");
    assertThat(event.getName()).isEqualTo("default");
    assertThat(event.getRevision()).isEqualTo(1);
    assertThat(event.getActor()).isEqualTo("anonymous@127.0.0.1");
    assertThat(event.getRequestId()).isEqualTo("req-1");
  }

  @Test
  void updatesAMeshAtTheNextRevision() {
    given(upsertMesh("default"));

    Decision.Accepted accepted = (Decision.Accepted) when(upsertMesh("default"));

    assertThat(accepted.created()).isFalse();
    assertThat(accepted.events().get(0).getRevision()).isEqualTo(2);
  }

  @Test
  void rejectsDataplaneInAMeshThatDoesNotExist() {
    given();

    Decision decision = when(upsertDataplane("default", "web-1"));

    assertThat(decision)
        .isEqualTo(
            new Decision.Rejected(
                Decision.Reason.INVALID,
                "mesh \"default\" does not exist",
                List.of(new Violation("mesh", "mesh \"default\" does not exist"))));
  }

  @Test
  void acceptsDataplaneInAnExistingMesh() {
    given(upsertMesh("default"));

    Decision.Accepted accepted = (Decision.Accepted) when(upsertDataplane("default", "web-1"));

    assertThat(accepted.created()).isTrue();
    assertThat(accepted.events().get(0).getRevision()).isEqualTo(1);
    assertThat(accepted.events().get(0).getResourceType()).isEqualTo("Dataplane");
  }

  @Test
  void rejectsDeleteOfMeshWithDataplanes() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));

    Decision decision = when(delete(ResourceType.MESH, "default", "default"));

    assertThat(decision).isInstanceOf(Decision.Rejected.class);
    assertThat(((Decision.Rejected) decision).reason()).isEqualTo(Decision.Reason.CONFLICT);
  }

  @Test
  void rejectsDeleteOfMissingResource() {
    given(upsertMesh("default"));

    Decision decision = when(delete(ResourceType.DATAPLANE, "default", "web-1"));

    assertThat(((Decision.Rejected) decision).reason()).isEqualTo(Decision.Reason.NOT_FOUND);
  }

  @Test
  void deletesAndRecreatesContinuingTheRevision() {
    given(
        upsertMesh("default"),
        upsertDataplane("default", "web-1"),
        upsertDataplane("default", "web-1"),
        delete(ResourceType.DATAPLANE, "default", "web-1"));

    Decision.Accepted accepted = (Decision.Accepted) when(upsertDataplane("default", "web-1"));

    assertThat(accepted.created()).isTrue();
    assertThat(accepted.events().get(0).getRevision()).isEqualTo(4);
  }

  @Test
  void deletesAMeshWithoutDataplanes() {
    given(
        upsertMesh("default"),
        upsertDataplane("default", "web-1"),
        delete(ResourceType.DATAPLANE, "default", "web-1"));

    Decision.Accepted accepted =
        (Decision.Accepted) when(delete(ResourceType.MESH, "default", "default"));

    ResourceEvent event = accepted.events().get(0);
    assertThat(event.getKind()).isEqualTo(EventKind.DELETED);
    assertThat(event.getPayload()).isNull();
    assertThat(event.getRevision()).isEqualTo(2);
  }

  @Test
  void stateKeepsCreationTimeAcrossUpdates() {
    given(upsertMesh("default"), upsertMesh("default"));

    Resource mesh = state.meshResource().orElseThrow();

    assertThat(mesh.revision()).isEqualTo(2);
    assertThat(mesh.creationTime()).isEqualTo(T0.plusSeconds(1));
    assertThat(mesh.modificationTime()).isEqualTo(T0.plusSeconds(2));
  }

  @Test
  void replayingEveryPrefixGivesTheSameStatesAsDeciding() {
    List<ResourceEvent> events =
        given(
            upsertMesh("default"),
            upsertDataplane("default", "web-1"),
            upsertDataplane("default", "backend-1"),
            delete(ResourceType.DATAPLANE, "default", "web-1"),
            upsertDataplane("default", "web-1"));
    for (int prefix = 0; prefix <= events.size(); prefix++) {
      MeshState replayed = MeshState.empty("default");
      for (ResourceEvent e : events.subList(0, prefix)) {
        replayed = replayed.evolve(e);
      }
      assertThat(replayed).isEqualTo(history.get(prefix));
    }
    assertThat(state.list(ResourceType.DATAPLANE))
        .extracting(Resource::name)
        .containsExactly("backend-1", "web-1");
  }

  @Test
  void rejectsUpsertWhoseExpectedRevisionDiffers() {
    given(upsertMesh("default"), upsertMesh("default"));

    Decision decision = when(conditional(upsertMesh("default"), Command.Conditions.ifMatch(1)));

    assertThat(((Decision.Rejected) decision).reason())
        .isEqualTo(Decision.Reason.PRECONDITION_FAILED);
    assertThat(((Decision.Rejected) decision).status()).isEqualTo(412);
  }

  @Test
  void acceptsUpsertAtTheExpectedRevision() {
    given(upsertMesh("default"), upsertMesh("default"));

    Decision.Accepted accepted =
        (Decision.Accepted) when(conditional(upsertMesh("default"), Command.Conditions.ifMatch(2)));

    assertThat(accepted.events().get(0).getRevision()).isEqualTo(3);
  }

  @Test
  void rejectsExpectedRevisionOfAMissingResource() {
    given(upsertMesh("default"));

    Decision decision =
        when(conditional(upsertDataplane("default", "web-1"), Command.Conditions.ifMatch(1)));

    assertThat(((Decision.Rejected) decision).reason())
        .isEqualTo(Decision.Reason.PRECONDITION_FAILED);
  }

  @Test
  void rejectsCreateOnlyWhenTheResourceExists() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));

    Decision decision =
        when(conditional(upsertDataplane("default", "web-1"), Command.Conditions.createOnly()));

    assertThat(((Decision.Rejected) decision).status()).isEqualTo(412);
  }

  @Test
  void acceptsCreateOnlyOfANewResource() {
    given(upsertMesh("default"));

    Decision decision =
        when(conditional(upsertDataplane("default", "web-1"), Command.Conditions.createOnly()));

    assertThat(((Decision.Accepted) decision).created()).isTrue();
  }

  @Test
  void rejectsDeleteWhoseExpectedRevisionDiffers() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));

    Decision decision =
        when(
            new Command.Delete(
                ResourceType.DATAPLANE,
                "default",
                "web-1",
                Command.Conditions.ifMatch(7),
                false,
                meta()));

    assertThat(((Decision.Rejected) decision).status()).isEqualTo(412);
  }

  @Test
  void acceptsIfMatchListNamingTheCurrentRevision() {
    given(upsertMesh("default"), upsertMesh("default"));

    Decision.Accepted accepted =
        (Decision.Accepted) when(conditional(upsertMesh("default"), ifMatch(1L, 2L, 7L)));

    assertThat(accepted.events().get(0).getRevision()).isEqualTo(3);
  }

  @Test
  void rejectsIfMatchListWithoutTheCurrentRevision() {
    given(upsertMesh("default"), upsertMesh("default"));

    Decision decision = when(conditional(upsertMesh("default"), ifMatch(1L, 3L)));

    assertThat(decision)
        .isEqualTo(
            new Decision.Rejected(
                Decision.Reason.PRECONDITION_FAILED,
                "Mesh \"default\" is at revision 2, expected one of 1, 3",
                List.of()));
  }

  @Test
  void rejectsIfMatchNamingNoRevisionWhateverTheState() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));
    Command.Conditions unmatchable = ifMatch();

    Decision existing = when(conditional(upsertDataplane("default", "web-1"), unmatchable));
    Decision missing = when(conditional(upsertDataplane("default", "web-2"), unmatchable));
    Decision delete = when(deleteWith(ResourceType.DATAPLANE, "web-1", unmatchable));

    assertThat(List.of(existing, missing, delete))
        .allSatisfy(
            d ->
                assertThat(((Decision.Rejected) d).reason())
                    .isEqualTo(Decision.Reason.PRECONDITION_FAILED));
    assertThat(((Decision.Rejected) existing).detail()).startsWith("If-Match names no revision");
  }

  @Test
  void ifMatchAnyNeedsTheResourceToExist() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));
    Command.Conditions any = new Command.Conditions(new Command.EntityTags.Any(), null);

    Decision missing = when(conditional(upsertDataplane("default", "web-2"), any));
    Decision.Accepted updated =
        (Decision.Accepted) when(conditional(upsertDataplane("default", "web-1"), any));
    Decision.Accepted deleted =
        (Decision.Accepted) when(deleteWith(ResourceType.DATAPLANE, "web-1", any));

    assertThat(missing)
        .isEqualTo(
            new Decision.Rejected(
                Decision.Reason.PRECONDITION_FAILED,
                "Dataplane \"web-2\" in mesh \"default\" does not exist (If-Match: *)",
                List.of()));
    assertThat(updated.created()).isFalse();
    assertThat(deleted.events().get(0).getKind()).isEqualTo(EventKind.DELETED);
  }

  @Test
  void rejectsIfNoneMatchNamingTheCurrentRevision() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));

    Decision decision = when(conditional(upsertDataplane("default", "web-1"), ifNoneMatch(1L, 5L)));

    assertThat(decision)
        .isEqualTo(
            new Decision.Rejected(
                Decision.Reason.PRECONDITION_FAILED,
                "Dataplane \"web-1\" in mesh \"default\" is at revision 1, which If-None-Match"
                    + " names",
                List.of()));
  }

  @Test
  void acceptsIfNoneMatchNamingOtherRevisionsOrAMissingResource() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));

    Decision.Accepted updated =
        (Decision.Accepted)
            when(conditional(upsertDataplane("default", "web-1"), ifNoneMatch(2L, 3L)));
    Decision.Accepted created =
        (Decision.Accepted) when(conditional(upsertDataplane("default", "web-2"), ifNoneMatch(1L)));

    assertThat(updated.events().get(0).getRevision()).isEqualTo(2);
    assertThat(created.created()).isTrue();
  }

  @Test
  void ifNoneMatchNamingNoRevisionIsNoCondition() {
    assertThat(new Command.Conditions(null, new Command.EntityTags.Revisions(List.of())))
        .isEqualTo(Command.Conditions.NONE);
  }

  @Test
  void checksIfMatchBeforeIfNoneMatch() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));
    Command.Conditions both =
        new Command.Conditions(
            new Command.EntityTags.Revisions(List.of(4L)), new Command.EntityTags.Any());

    Decision decision = when(conditional(upsertDataplane("default", "web-1"), both));

    assertThat(((Decision.Rejected) decision).detail()).endsWith("is at revision 1, expected 4");
  }

  @Test
  void deleteHonoursIfNoneMatch() {
    given(upsertMesh("default"), upsertDataplane("default", "web-1"));

    Decision decision = when(deleteWith(ResourceType.DATAPLANE, "web-1", ifNoneMatch(1L)));

    assertThat(((Decision.Rejected) decision).status()).isEqualTo(412);
    assertThat(state.get(ResourceType.DATAPLANE, "web-1")).isPresent();
  }

  @Test
  void cascadeDeletesEveryResourceThenTheMesh() {
    given(
        upsertMesh("default"),
        upsertDataplane("default", "web-1"),
        upsertDataplane("default", "backend-1"));

    Decision.Accepted accepted =
        (Decision.Accepted)
            when(
                new Command.Delete(
                    ResourceType.MESH,
                    "default",
                    "default",
                    Command.Conditions.NONE,
                    true,
                    meta()));

    assertThat(accepted.events())
        .extracting(e -> e.getResourceType() + "/" + e.getName() + "@" + e.getRevision())
        .containsExactly("Dataplane/backend-1@2", "Dataplane/web-1@2", "Mesh/default@2");
    assertThat(accepted.events()).allMatch(e -> e.getKind() == EventKind.DELETED);
    assertThat(accepted.events()).extracting(ResourceEvent::getEventId).doesNotHaveDuplicates();
    MeshState after = state;
    for (ResourceEvent e : accepted.events()) {
      after = after.evolve(e);
    }
    assertThat(after.all()).isEmpty();
  }

  @Test
  void signingKeysNeedNoMeshAndHonourCreateOnly() {
    state = MeshState.empty(InternalTypes.GLOBAL_MESH);
    Command key = signingKey(InternalTypes.GLOBAL_MESH, "user-token-key");
    given(key);

    Decision again =
        when(
            conditional(
                signingKey(InternalTypes.GLOBAL_MESH, "user-token-key"),
                Command.Conditions.createOnly()));

    assertThat(((Decision.Rejected) again).status()).isEqualTo(412);
    assertThat(state.get(InternalTypes.SIGNING_KEY, "user-token-key")).isPresent();
  }

  @Test
  void internalResourcesDoNotBlockDeletingTheirMesh() {
    given(upsertMesh("default"), signingKey("default", "dataplane-key"));

    Decision.Accepted accepted =
        (Decision.Accepted) when(delete(ResourceType.MESH, "default", "default"));

    assertThat(accepted.events())
        .extracting(ResourceEvent::getResourceType)
        .containsExactly("SigningKey", "Mesh");
  }

  @Test
  void rejectsAPayloadThatNamesAnotherResource() {
    given(upsertMesh("default"));
    Command.Upsert other = (Command.Upsert) upsertDataplane("default", "web-2");

    Decision decision =
        when(
            new Command.Upsert(
                ResourceType.DATAPLANE, "default", "web-1", other.payload(), meta()));

    assertThat(((Decision.Rejected) decision).violations())
        .extracting(Violation::field)
        .containsExactly("payload.name");
  }

  @Test
  void rejectsPolicyInAMeshThatDoesNotExist() {
    given();

    Decision decision = when(upsertTimeout("default", "t1"));

    assertThat(((Decision.Rejected) decision).violations())
        .containsExactly(new Violation("mesh", "mesh \"default\" does not exist"));
  }

  @Test
  void policiesGoWithTheirMeshAsInKumaOnlyDataplanesBlock() {
    given(upsertMesh("default"), upsertTimeout("default", "t1"), upsertTimeout("default", "t2"));

    Decision notBlocked = when(delete(ResourceType.MESH, "default", "default"));
    assertThat(notBlocked).isInstanceOf(Decision.Accepted.class);

    Decision.Accepted accepted =
        (Decision.Accepted)
            when(
                new Command.Delete(
                    ResourceType.MESH,
                    "default",
                    "default",
                    Command.Conditions.NONE,
                    true,
                    meta()));
    assertThat(accepted.events())
        .extracting(e -> e.getResourceType() + "/" + e.getName())
        .containsExactly("MeshTimeout/t1", "MeshTimeout/t2", "Mesh/default");
    MeshState after = state;
    for (ResourceEvent e : accepted.events()) {
      after = after.evolve(e);
    }
    assertThat(after.all()).isEmpty();
  }

  // Kuma v2.14.3 pkg/defaults/mesh/mesh_test.go: "should create default resources in targetRef
  // model", "should skip creating all default policies", "should skip creating selected default
  // policies"; contents from pkg/defaults/mesh/{meshtimeout,meshretry,meshcircuitbreaker}.go.
  @Test
  void aNewMeshGetsKumasDefaultPoliciesAsSystemEventsOfTheSameDecision() throws Exception {
    given();

    Decision.Accepted accepted = (Decision.Accepted) when(upsertMeshWithDefaults("default"));

    assertThat(accepted.events())
        .extracting(e -> e.getResourceType() + "/" + e.getName() + " by " + e.getActor())
        .containsExactly(
            "Mesh/default by anonymous@127.0.0.1",
            "MeshCircuitBreaker/mesh-circuit-breaker-all-default by system",
            "MeshTimeout/mesh-gateways-timeout-all-default by system",
            "MeshRetry/mesh-retry-all-default by system",
            "MeshTimeout/mesh-timeout-all-default by system");
    assertThat(accepted.events())
        .extracting(ResourceEvent::getEventId)
        .containsExactly("event-1", "event-1-1", "event-1-2", "event-1-3", "event-1-4");
    assertThat(accepted.events()).allSatisfy(e -> assertThat(e.getRequestId()).isEqualTo("req-1"));
    assertThat(accepted.resourceEvent().getResourceType()).isEqualTo("Mesh");
    ResourceType timeout = ResourceType.forPolicy(MeshTimeout.TYPE);
    assertThat(timeout.render((SpecificRecord) accepted.events().get(4).getPayload(), null, null))
        .isEqualTo(
            Documents.read(
                """
                type: MeshTimeout
                mesh: default
                name: mesh-timeout-all-default
                labels:
                  kuma.io/env: universal
                  kuma.io/mesh: default
                  kuma.io/origin: zone
                spec:
                  targetRef:
                    kind: Mesh
                    proxyTypes: [Sidecar]
                  from:
                    - targetRef: {kind: Mesh}
                      default:
                        connectionTimeout: 10s
                        idleTimeout: 2h0m0s
                        http: {requestTimeout: 0s, streamIdleTimeout: 1h0m0s, maxStreamDuration: 0s}
                  to:
                    - targetRef: {kind: Mesh}
                      default:
                        connectionTimeout: 5s
                        idleTimeout: 1h0m0s
                        http: {requestTimeout: 15s, streamIdleTimeout: 30m0s}
                """
                    .getBytes(UTF_8),
                Format.YAML));
  }

  @Test
  void skipCreatingInitialPoliciesStarCreatesNone() {
    given();

    Decision.Accepted accepted =
        (Decision.Accepted)
            when(meshFrom("type: Mesh\nname: default\nskipCreatingInitialPolicies: ['*']\n"));

    assertThat(accepted.events())
        .extracting(ResourceEvent::getResourceType)
        .containsExactly("Mesh");
  }

  @Test
  void skipCreatingInitialPoliciesNamesTypesToLeaveOut() {
    given();

    Decision.Accepted accepted =
        (Decision.Accepted)
            when(
                meshFrom(
                    "type: Mesh\nname: default\n"
                        + "skipCreatingInitialPolicies: [MeshTimeout, MeshRetry]\n"));

    assertThat(accepted.events())
        .extracting(ResourceEvent::getName)
        .containsExactly("default", "mesh-circuit-breaker-all-default");
  }

  @Test
  void defaultPoliciesAreOrdinaryPoliciesAnUpdateOfTheMeshDoesNotRecreate() {
    given(
        upsertMeshWithDefaults("default"),
        delete(ResourceType.forPolicy(MeshTimeout.TYPE), "default", "mesh-timeout-all-default"));

    Decision.Accepted accepted = (Decision.Accepted) when(upsertMeshWithDefaults("default"));

    assertThat(accepted.events())
        .extracting(ResourceEvent::getResourceType)
        .containsExactly("Mesh");
  }

  @Test
  void aRecreatedMeshGetsItsDefaultsAgainContinuingTheirRevisions() {
    given(upsertMeshWithDefaults("default"), delete(ResourceType.MESH, "default", "default"));

    Decision.Accepted accepted = (Decision.Accepted) when(upsertMeshWithDefaults("default"));

    assertThat(accepted.events()).hasSize(5);
    assertThat(accepted.events()).allSatisfy(e -> assertThat(e.getRevision()).isEqualTo(3));
  }

  @Test
  void deletingAMeshDeletesItsPoliciesButNotItsDataplanes() {
    given(upsertMeshWithDefaults("default"));

    Decision.Accepted accepted =
        (Decision.Accepted) when(delete(ResourceType.MESH, "default", "default"));

    assertThat(accepted.events())
        .extracting(e -> e.getKind() + " " + e.getResourceType())
        .containsExactly(
            "DELETED MeshCircuitBreaker",
            "DELETED MeshRetry",
            "DELETED MeshTimeout",
            "DELETED MeshTimeout",
            "DELETED Mesh");
    assertThat(accepted.resourceEvent().getResourceType()).isEqualTo("Mesh");
  }

  @Test
  void replayingAMeshWithItsDefaultsGivesTheSameStates() {
    List<ResourceEvent> events =
        given(
            upsertMeshWithDefaults("default"),
            upsertDataplane("default", "web-1"),
            upsertMeshWithDefaults("default"));
    for (int prefix = 0; prefix <= events.size(); prefix++) {
      MeshState replayed = MeshState.empty("default");
      for (ResourceEvent e : events.subList(0, prefix)) {
        replayed = replayed.evolve(e);
      }
      assertThat(replayed).isEqualTo(history.get(prefix));
    }
    assertThat(state.all()).hasSize(6);
  }

  // Kuma v2.14.3 pkg/core/managers/apis/dataplane/membership_validator.go (and its test).
  @Test
  void aDataplaneMustFulfillARequirementOfTheMesh() {
    given(meshFrom(CONSTRAINED));

    Decision decision = when(dataplaneFrom("kuma.io/service: web\n        kuma.io/zone: west"));

    assertThat(decision).isInstanceOf(Decision.Rejected.class);
    Decision.Rejected rejected = (Decision.Rejected) decision;
    assertThat(rejected.reason()).isEqualTo(Decision.Reason.INVALID);
    assertThat(rejected.violations())
        .extracting(Violation::field)
        .containsExactly("networking.inbound[0].tags");
    assertThat(rejected.detail()).contains("do not fulfill any requirement", "mesh \"default\"");
  }

  @Test
  void aDataplaneMatchingARestrictionIsRefused() {
    given(meshFrom(CONSTRAINED));

    Decision decision =
        when(dataplaneFrom("kuma.io/service: web\n        kuma.io/zone: east\n        team: x"));

    assertThat(((Decision.Rejected) decision).detail()).contains("match restricted tags");
  }

  @Test
  void aDataplaneFulfillingTheConstraintsIsAccepted() {
    given(meshFrom(CONSTRAINED));

    Decision decision = when(dataplaneFrom("kuma.io/service: web\n        kuma.io/zone: east"));

    assertThat(decision).isInstanceOf(Decision.Accepted.class);
  }

  private static final String CONSTRAINED =
      """
      type: Mesh
      name: default
      skipCreatingInitialPolicies: ['*']
      constraints:
        dataplaneProxy:
          requirements:
            - tags:
                kuma.io/zone: east
          restrictions:
            - tags:
                team: '*'
      """;

  // Kuma v2.14.3 pkg/plugins/ca/provided/manager.go ValidateBackend: the secrets must load.
  @Test
  void aProvidedCaMustNameSecretsThatExist() {
    given(upsertMesh("default"));

    Decision decision =
        when(
            meshFrom(
                """
                type: Mesh
                name: default
                mtls:
                  enabledBackend: ca-1
                  backends:
                    - name: ca-1
                      type: provided
                      conf:
                        cert: {secret: my-cert}
                        key: {secret: my-key}
                """));

    assertThat(((Decision.Rejected) decision).violations())
        .extracting(Violation::reason)
        .containsExactly(
            "secret \"my-cert\" does not exist in mesh \"default\": create it before the mesh"
                + " names it",
            "secret \"my-key\" does not exist in mesh \"default\": create it before the mesh"
                + " names it");
  }

  // Kuma v2.14.3 pkg/core/secrets/manager/validator_test.go: "when secret is used in builtin CA"
  // and "... in provided CA"; a secret no backend names is deleted.
  @Test
  void aSecretAnMtlsBackendKeepsItsCaInCannotBeDeleted() {
    given(
        upsertMesh("default"),
        upsertSecret(CaSecrets.certificate("default", "ca-1")),
        upsertSecret("my-ca-cert"),
        upsertSecret("my-ca-key"),
        upsertSecret("unused"),
        meshFrom(
            """
            type: Mesh
            name: default
            mtls:
              enabledBackend: ca-1
              backends:
                - name: ca-1
                  type: builtin
                - name: ca-2
                  type: provided
                  conf:
                    cert: {secret: my-ca-cert}
                    key: {secret: my-ca-key}
            """));

    Decision builtin =
        when(
            deleteWith(
                ResourceType.SECRET, "default.ca-builtin-cert-ca-1", Command.Conditions.NONE));
    assertThat(((Decision.Rejected) builtin).violations())
        .containsExactly(
            new Violation(
                "name",
                "The secret \"default.ca-builtin-cert-ca-1\" that you are trying to remove is"
                    + " currently in use in Mesh \"default\" in mTLS backend \"ca-1\". Please"
                    + " remove the reference from the \"ca-1\" backend before removing the"
                    + " secret."));
    Decision provided = when(deleteWith(ResourceType.SECRET, "my-ca-key", Command.Conditions.NONE));
    assertThat(((Decision.Rejected) provided).detail()).contains("mTLS backend \"ca-2\"");
    assertThat(when(deleteWith(ResourceType.SECRET, "unused", Command.Conditions.NONE)))
        .isInstanceOf(Decision.Accepted.class);
  }

  private Command builtinMtlsMesh() {
    return meshFrom(
        """
        type: Mesh
        name: default
        mtls:
          enabledBackend: ca-1
          backends:
            - name: ca-1
              type: builtin
        """);
  }

  // Kuma 2.14 runs a MeshIdentity in a mesh without mtls too (the identity turns mTLS on for its
  // workloads); here identities and trust act on the mesh's mTLS, so they are refused without it.
  @Test
  void aMeshTrustOrMeshIdentityNeedsAMeshWithMtls() {
    given(upsertMesh("default"));
    Command trust =
        new Command.Upsert(
            ResourceType.MESH_TRUST,
            "default",
            "partner",
            parse(
                ResourceType.MESH_TRUST,
                MeshTrustTest.document("partner.example", MeshTrustTest.CA)),
            meta());
    assertThat(((Decision.Rejected) when(trust)).violations())
        .containsExactly(
            new Violation(
                "mesh",
                Violations.NOT_SUPPORTED_YET
                    + ": a MeshTrust in a mesh without mTLS (mesh \"default\" has no"
                    + " mtls.enabledBackend): enable a backend first"));
    given(builtinMtlsMesh());
    assertThat(when(trust)).isInstanceOf(Decision.Accepted.class);
  }

  @Test
  void aMeshIdentitysCaSecretsMustExistAndOutliveIt() {
    given(builtinMtlsMesh(), upsertSecret("id-cert"));
    String yaml =
        """
        type: MeshIdentity
        mesh: default
        name: web
        spec:
          selector: {dataplane: {matchLabels: {app: web}}}
          provider:
            type: Bundled
            bundled:
              ca:
                certificate: {type: Secret, secretRef: {kind: Secret, name: id-cert}}
                privateKey: {type: Secret, secretRef: {kind: Secret, name: id-key}}
        """;
    Command identity =
        new Command.Upsert(
            ResourceType.MESH_IDENTITY,
            "default",
            "web",
            parse(ResourceType.MESH_IDENTITY, yaml),
            meta());
    assertThat(((Decision.Rejected) when(identity)).violations())
        .containsExactly(
            new Violation(
                "spec.provider.bundled.ca.privateKey.secretRef.name",
                "secret \"id-key\" does not exist in mesh \"default\": create it before the"
                    + " MeshIdentity names it"));
    given(builtinMtlsMesh(), upsertSecret("id-cert"), upsertSecret("id-key"), identity);
    assertThat(
            ((Decision.Rejected)
                    when(deleteWith(ResourceType.SECRET, "id-key", Command.Conditions.NONE)))
                .detail())
        .isEqualTo(
            "The secret \"id-key\" is the CA of MeshIdentity \"web\" in Mesh \"default\". Delete"
                + " or change the MeshIdentity before removing the secret.");
  }

  private Command upsertSecret(String name) {
    return new Command.Upsert(
        ResourceType.SECRET,
        "default",
        name,
        new dev.chronomesh.events.avro.SecretResource(
            name,
            "default",
            java.util.Map.of(),
            new dev.chronomesh.events.avro.EncryptedData(
                "kek-1",
                java.nio.ByteBuffer.wrap(new byte[] {1}),
                java.nio.ByteBuffer.wrap(new byte[] {2}),
                java.nio.ByteBuffer.wrap(new byte[] {3}),
                "AES-256-GCM")),
        meta());
  }

  private Command meshFrom(String yaml) {
    return new Command.Upsert(
        ResourceType.MESH, "default", "default", parse(ResourceType.MESH, yaml), meta());
  }

  private Command dataplaneFrom(String tags) {
    String yaml =
        "type: Dataplane\nmesh: default\nname: web-1\nnetworking:\n  address: 10.0.0.1\n"
            + "  inbound:\n    - port: 80\n      tags:\n        "
            + tags
            + "\n";
    return new Command.Upsert(
        ResourceType.DATAPLANE, "default", "web-1", parse(ResourceType.DATAPLANE, yaml), meta());
  }

  private Command upsertTimeout(String mesh, String name) {
    String yaml =
        "type: MeshTimeout\nmesh: "
            + mesh
            + "\nname: "
            + name
            + "\nspec:\n  to:\n  - targetRef: {kind: Mesh}\n    default: {idleTimeout: 10s}\n";
    return new Command.Upsert(
        ResourceType.forPolicy(MeshTimeout.TYPE),
        mesh,
        name,
        parse(ResourceType.forPolicy(MeshTimeout.TYPE), yaml),
        meta());
  }

  private Command conditional(Command command, Command.Conditions conditions) {
    Command.Upsert u = (Command.Upsert) command;
    return new Command.Upsert(u.type(), u.mesh(), u.name(), u.payload(), conditions, u.metadata());
  }

  private static Command.Conditions ifMatch(Long... revisions) {
    return new Command.Conditions(new Command.EntityTags.Revisions(List.of(revisions)), null);
  }

  private static Command.Conditions ifNoneMatch(Long... revisions) {
    return new Command.Conditions(null, new Command.EntityTags.Revisions(List.of(revisions)));
  }

  private Command deleteWith(ResourceType type, String name, Command.Conditions conditions) {
    return new Command.Delete(type, "default", name, conditions, false, meta());
  }

  private Command signingKey(String mesh, String name) {
    return new Command.Upsert(
        InternalTypes.SIGNING_KEY,
        mesh,
        name,
        new dev.chronomesh.events.avro.SigningKeyResource(
            name,
            mesh,
            "RS256",
            java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}),
            new dev.chronomesh.events.avro.EncryptedData(
                "kek-1",
                java.nio.ByteBuffer.wrap(new byte[] {4}),
                java.nio.ByteBuffer.wrap(new byte[] {5}),
                java.nio.ByteBuffer.wrap(new byte[] {6}),
                "AES-256-GCM")),
        meta());
  }

  // --- given / when helpers ---

  private MeshState state = MeshState.empty("default");
  private final List<MeshState> history = new ArrayList<>(List.of(state));

  private List<ResourceEvent> given(Command... commands) {
    List<ResourceEvent> events = new ArrayList<>();
    for (Command c : commands) {
      Decision d = Decider.decide(c, state);
      assertThat(d).as("given " + c).isInstanceOf(Decision.Accepted.class);
      for (ResourceEvent e : ((Decision.Accepted) d).events()) {
        state = state.evolve(e);
        history.add(state);
        events.add(e);
      }
    }
    return events;
  }

  private Decision when(Command command) {
    return Decider.decide(command, state);
  }

  private Command.Metadata meta() {
    sequence++;
    return new Command.Metadata(
        "event-" + sequence, T0.plusSeconds(sequence), "anonymous@127.0.0.1", "req-" + sequence);
  }

  /** A mesh without Kuma's default policies, for tests about something else. */
  private Command upsertMesh(String name) {
    return new Command.Upsert(
        ResourceType.MESH,
        name,
        name,
        parse(
            ResourceType.MESH,
            "type: Mesh\nname: " + name + "\nskipCreatingInitialPolicies: ['*']\n"),
        meta());
  }

  /** A mesh as a Kuma user writes it: it gets Kuma's default policies when created. */
  private Command upsertMeshWithDefaults(String name) {
    return new Command.Upsert(
        ResourceType.MESH,
        name,
        name,
        parse(ResourceType.MESH, "type: Mesh\nname: " + name),
        meta());
  }

  private Command upsertDataplane(String mesh, String name) {
    String yaml =
        "type: Dataplane\nmesh: "
            + mesh
            + "\nname: "
            + name
            + "\nnetworking:\n  address: 10.0.0.1\n  inbound:\n  - port: 80\n    tags:\n"
            + "      kuma.io/service: web\n";
    return new Command.Upsert(
        ResourceType.DATAPLANE, mesh, name, parse(ResourceType.DATAPLANE, yaml), meta());
  }

  private Command delete(ResourceType type, String mesh, String name) {
    return new Command.Delete(type, mesh, name, meta());
  }

  private static SpecificRecord parse(ResourceType type, String yaml) {
    try {
      return type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
    } catch (ValidationException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
