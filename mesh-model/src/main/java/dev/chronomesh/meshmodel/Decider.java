package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.Constraints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.meshidentity.MeshIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pure write rules: {@code decide(command, state of its mesh) → events | rejection}. No clock,
 * no randomness, no I/O: the same inputs always give the same decision, so the single-writer
 * decider (Kafka Streams) can run it as it is, and the API can run it for a dry run.
 */
public final class Decider {
  private Decider() {}

  public static Decision decide(Command command, MeshState state) {
    if (!command.mesh().equals(state.mesh())) {
      throw new IllegalArgumentException(
          "command for mesh " + command.mesh() + " decided against mesh " + state.mesh());
    }
    return switch (command) {
      case Command.Upsert upsert -> upsert(upsert, state);
      case Command.Delete delete -> delete(delete, state);
    };
  }

  private static Decision upsert(Command.Upsert command, MeshState state) {
    ResourceType type = command.type();
    List<Violation> identity =
        ResourceIdentity.violations(
            new ResourceIdentity.Envelope(
                command.mesh(), type.name(), command.name(), true, command.payload()));
    if (!identity.isEmpty()) {
      return new Decision.Rejected(
          Decision.Reason.INVALID, "the command does not match its payload", identity);
    }
    if (type.scope() == Scope.MESH
        && !InternalTypes.isInternal(type)
        && state.meshResource().isEmpty()) {
      String reason = "mesh \"" + command.mesh() + "\" does not exist";
      return new Decision.Rejected(
          Decision.Reason.INVALID, reason, List.of(new Violation("mesh", reason)));
    }
    Optional<Resource> existing = state.get(type, command.name());
    Decision.Rejected failed = preconditions(command, existing);
    if (failed != null) {
      return failed;
    }
    List<Violation> rules = meshRules(command, state);
    if (!rules.isEmpty()) {
      return new Decision.Rejected(Decision.Reason.INVALID, rules.get(0).reason(), rules);
    }
    List<ResourceEvent> events = new ArrayList<>();
    events.add(event(command, state, type, command.name(), 0, EventKind.UPSERTED, command));
    if (type.equals(ResourceType.MESH) && existing.isEmpty()) {
      // As Kuma's EnsureDefaultMeshResources: a new mesh gets the default policies, here as
      // events of the same decision, so a replay of the log makes the same mesh.
      for (DefaultMeshPolicies.Policy p :
          DefaultMeshPolicies.of((MeshResource) command.payload())) {
        events.add(defaultPolicyEvent(command, state, p, events.size()));
      }
    }
    return new Decision.Accepted(events, existing.isEmpty());
  }

  /**
   * The rules of a write that depend on the mesh: a Dataplane must satisfy the mesh's dataplane
   * proxy constraints (Kuma's {@code membership_validator.go}: one requirement matched by each of
   * its tag sets when there are requirements, no restriction matched); a Mesh's provided CA backend
   * must name secrets that exist in the mesh (Kuma's provided CA manager loads them), and so must a
   * MeshIdentity's CA (Kuma's bundled provider loads them when it validates the identity).
   */
  private static List<Violation> meshRules(Command.Upsert command, MeshState state) {
    List<Violation> out = new ArrayList<>();
    ResourceType type = command.type();
    if ((type.equals(ResourceType.MESH_TRUST) || type.equals(ResourceType.MESH_IDENTITY))
        && state
            .meshResource()
            .map(r -> MeshMtls.enabledBackend((MeshResource) r.payload()).isEmpty())
            .orElse(true)) {
      // Kuma 2.14 lets a MeshIdentity turn mTLS on for its workloads in a mesh without it; here
      // the identities and trust act on the mesh's mTLS, so without it they would do nothing.
      out.add(
          new Violation(
              "mesh",
              Violations.NOT_SUPPORTED_YET
                  + ": a "
                  + type.name()
                  + " in a mesh without mTLS (mesh \""
                  + command.mesh()
                  + "\" has no mtls.enabledBackend): enable a backend first"));
    }
    if (command.payload() instanceof DataplaneResource dataplane) {
      state
          .meshResource()
          .map(r -> ((MeshResource) r.payload()).getConstraints())
          .map(Constraints::getDataplaneProxy)
          .ifPresent(c -> MeshConstraints.check(command.mesh(), dataplane, c, out));
    } else if (MeshIdentity.of(command.payload()).orElse(null) instanceof MeshIdentity identity
        && !identity.autogenerate()) {
      for (String[] source :
          List.of(
              new String[] {"certificate", identity.caCertificateSecret()},
              new String[] {"privateKey", identity.caPrivateKeySecret()})) {
        if (state.get(ResourceType.SECRET, source[1]).isEmpty()) {
          out.add(
              new Violation(
                  "spec.provider.bundled.ca." + source[0] + ".secretRef.name",
                  "secret \""
                      + source[1]
                      + "\" does not exist in mesh \""
                      + command.mesh()
                      + "\": create it before the MeshIdentity names it"));
        }
      }
    }
    if (command.payload() instanceof MeshResource mesh && mesh.getMtls() != null) {
      List<MtlsBackend> backends = mesh.getMtls().getBackends();
      for (int i = 0; i < backends.size(); i++) {
        MtlsBackend backend = backends.get(i);
        if (!"provided".equals(backend.getType()) || backend.getConfJson() == null) {
          continue;
        }
        for (String secret : ProvidedCa.secrets(Documents.parseStoredJson(backend.getConfJson()))) {
          if (state.get(ResourceType.SECRET, secret).isEmpty()) {
            out.add(
                new Violation(
                    "mtls.backends[" + i + "].conf",
                    "secret \""
                        + secret
                        + "\" does not exist in mesh \""
                        + command.mesh()
                        + "\": create it before the mesh names it"));
          }
        }
      }
    }
    return out;
  }

  private static ResourceEvent defaultPolicyEvent(
      Command.Upsert command, MeshState state, DefaultMeshPolicies.Policy policy, int index) {
    Command.Metadata meta = command.metadata();
    return new ResourceEvent(
        meta.eventId() + "-" + index,
        command.mesh(),
        policy.type().name(),
        policy.name(),
        state.lastRevision(policy.type(), policy.name()) + 1,
        meta.occurredAt(),
        DefaultMeshPolicies.ACTOR,
        meta.requestId(),
        EventKind.UPSERTED,
        policy.payload());
  }

  private static Decision delete(Command.Delete command, MeshState state) {
    ResourceType type = command.type();
    Optional<Resource> existing = state.get(type, command.name());
    Decision.Rejected failed = preconditions(command, existing);
    if (failed != null) {
      return failed;
    }
    if (existing.isEmpty()) {
      return new Decision.Rejected(
          Decision.Reason.NOT_FOUND, describe(command) + " does not exist", List.of());
    }
    if (type.equals(ResourceType.SECRET)) {
      String backend = mtlsBackendUsing(command.name(), state);
      if (backend != null) {
        // Kuma's secret validator (ValidateDelete), word for word.
        String reason =
            "The secret \""
                + command.name()
                + "\" that you are trying to remove is currently in use in Mesh \""
                + command.mesh()
                + "\" in mTLS backend \""
                + backend
                + "\". Please remove the reference from the \""
                + backend
                + "\" backend before removing the secret.";
        return new Decision.Rejected(
            Decision.Reason.INVALID, reason, List.of(new Violation("name", reason)));
      }
      String identity = identityUsing(command.name(), state);
      if (identity != null) {
        // Kuma deletes an autogenerated CA's Secrets with their MeshIdentity (owner reference);
        // a Secret a MeshIdentity signs with must outlive it here too.
        String reason =
            "The secret \""
                + command.name()
                + "\" is the CA of MeshIdentity \""
                + identity
                + "\" in Mesh \""
                + command.mesh()
                + "\". Delete or change the MeshIdentity before removing the secret.";
        return new Decision.Rejected(
            Decision.Reason.INVALID, reason, List.of(new Violation("name", reason)));
      }
    }
    List<ResourceEvent> events = new ArrayList<>();
    if (type.equals(ResourceType.MESH)) {
      List<Resource> inside =
          state.all().stream().filter(r -> !r.type().equals(ResourceType.MESH)).toList();
      // As Kuma's mesh manager (ValidateNoActiveDP): only dataplanes keep a mesh from being
      // deleted; its policies and secrets go with it (Kuma deletes them by owner reference), each
      // with its own event. With cascade the dataplanes go too.
      long blocking = inside.stream().filter(r -> r.type().equals(ResourceType.DATAPLANE)).count();
      if (blocking > 0 && !command.cascade()) {
        return new Decision.Rejected(
            Decision.Reason.CONFLICT,
            "mesh \""
                + command.name()
                + "\" still has "
                + blocking
                + " dataplane(s); delete them first or delete with cascade",
            List.of(new Violation("name", "mesh still has " + blocking + " dataplane(s)")));
      }
      for (Resource r : inside) {
        events.add(
            event(command, state, r.type(), r.name(), events.size(), EventKind.DELETED, null));
      }
    }
    events.add(event(command, state, type, command.name(), events.size(), EventKind.DELETED, null));
    return new Decision.Accepted(events, false);
  }

  /** The MeshIdentity of the mesh whose CA is kept in the Secret {@code secret}, or null. */
  private static String identityUsing(String secret, MeshState state) {
    for (Resource r : state.resources(ResourceType.MESH_IDENTITY).values()) {
      MeshIdentity identity = MeshIdentity.of(r.payload()).orElseThrow();
      if (secret.equals(identity.caCertificateSecret())
          || secret.equals(identity.caPrivateKeySecret())) {
        return identity.name();
      }
    }
    return null;
  }

  /**
   * The mTLS backend of the mesh whose CA is kept in the Secret {@code secret} (a builtin backend's
   * certificate or key, a provided backend's data source), or null.
   */
  private static String mtlsBackendUsing(String secret, MeshState state) {
    MeshResource mesh = (MeshResource) state.meshResource().map(Resource::payload).orElse(null);
    if (mesh == null || mesh.getMtls() == null) {
      return null;
    }
    for (MtlsBackend backend : mesh.getMtls().getBackends()) {
      boolean used =
          "builtin".equals(backend.getType())
              ? secret.equals(CaSecrets.certificate(state.mesh(), backend.getName()))
                  || secret.equals(CaSecrets.privateKey(state.mesh(), backend.getName()))
              : backend.getConfJson() != null
                  && ProvidedCa.secrets(Documents.parseStoredJson(backend.getConfJson()))
                      .contains(secret);
      if (used) {
        return backend.getName();
      }
    }
    return null;
  }

  /**
   * The rejection when If-Match / If-None-Match do not hold, else null. Decided here, against the
   * state the single writer holds, never by the API against a read that may be stale.
   */
  private static Decision.Rejected preconditions(Command command, Optional<Resource> existing) {
    Command.Conditions conditions = command.conditions();
    String failed = null;
    if (conditions.ifMatch() != null && !conditions.ifMatch().matches(existing)) {
      failed = ifMatchFailed(describe(command), conditions.ifMatch(), existing);
    } else if (conditions.ifNoneMatch() != null && conditions.ifNoneMatch().matches(existing)) {
      failed =
          switch (conditions.ifNoneMatch()) {
            case Command.EntityTags.Any any ->
                describe(command) + " already exists (If-None-Match: *)";
            case Command.EntityTags.Revisions r ->
                describe(command)
                    + " is at revision "
                    + existing.orElseThrow().revision()
                    + ", which If-None-Match names";
          };
    }
    return failed == null
        ? null
        : new Decision.Rejected(Decision.Reason.PRECONDITION_FAILED, failed, List.of());
  }

  private static String ifMatchFailed(
      String what, Command.EntityTags ifMatch, Optional<Resource> existing) {
    return switch (ifMatch) {
      case Command.EntityTags.Any any -> what + " does not exist (If-Match: *)";
      case Command.EntityTags.Revisions r when r.revisions().isEmpty() ->
          "If-Match names no revision of "
              + what
              + ": weak entity tags never match it, and its other tags are not revisions";
      case Command.EntityTags.Revisions r -> {
        String expected =
            r.revisions().size() == 1
                ? r.revisions().get(0).toString()
                : "one of "
                    + String.join(", ", r.revisions().stream().map(String::valueOf).toList());
        yield existing
            .map(e -> what + " is at revision " + e.revision() + ", expected " + expected)
            .orElse(what + " does not exist, expected revision " + expected);
      }
    };
  }

  private static String describe(Command command) {
    String where =
        command.type().scope() == Scope.MESH ? " in mesh \"" + command.mesh() + "\"" : "";
    return command.type() + " \"" + command.name() + "\"" + where;
  }

  private static ResourceEvent event(
      Command command,
      MeshState state,
      ResourceType type,
      String name,
      int index,
      EventKind kind,
      Command.Upsert upsert) {
    Command.Metadata meta = command.metadata();
    return new ResourceEvent(
        index == 0 ? meta.eventId() : meta.eventId() + "-" + index,
        command.mesh(),
        type.name(),
        name,
        state.lastRevision(type, name) + 1,
        meta.occurredAt(),
        meta.actor(),
        meta.requestId(),
        kind,
        upsert == null ? null : upsert.payload());
  }
}
