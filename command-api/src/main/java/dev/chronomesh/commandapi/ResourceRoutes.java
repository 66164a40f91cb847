package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.commandapi.auth.Principal;
import dev.chronomesh.commandapi.decider.Commands;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.ResourceChange;
import dev.chronomesh.meshmodel.Command;
import dev.chronomesh.meshmodel.Decider;
import dev.chronomesh.meshmodel.Decision;
import dev.chronomesh.meshmodel.InternalTypes;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceMapper;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Scope;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.meshmodel.view.EventView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * Kuma's resource REST paths, one set per {@link ResourceType}: global types at {@code
 * /{plural}/{name}}, mesh-scoped types at {@code /meshes/{mesh}/{plural}/{name}} plus {@code
 * /{plural}} across meshes; {@code /_resources}; {@code /commands/{requestId}}.
 */
final class ResourceRoutes {
  private static final String LABEL_FILTER_PREFIX = "filter[label.";

  private final EventView view;

  /** The meshes as they were, for {@code ?at=}. */
  private final MeshHistory past;

  private final WriteService writes;
  private final CommandClient commands;
  private final ObjectMapper json;
  private final Clock clock;
  private final int maxBodyBytes;
  private final Sealer sealer;

  ResourceRoutes(
      EventView view,
      MeshHistory past,
      WriteService writes,
      CommandClient commands,
      ObjectMapper json,
      Clock clock,
      int maxBodyBytes,
      Sealer sealer) {
    this.view = view;
    this.past = past;
    this.writes = writes;
    this.commands = commands;
    this.json = json;
    this.clock = clock;
    this.maxBodyBytes = maxBodyBytes;
    this.sealer = sealer;
  }

  void register(Javalin app) {
    app.get("/_resources", ctx -> respond(ctx, 200, ResourceType.resourcesDocument()));
    app.get("/commands/{requestId}", this::command);
    for (ResourceType type : ResourceType.all()) {
      if (type.scope() == Scope.GLOBAL) {
        String item = "/" + type.plural() + "/{name}";
        app.put(item, ctx -> put(ctx, type, ctx.pathParam("name"), ctx.pathParam("name")));
        app.get(item, ctx -> get(ctx, type, ctx.pathParam("name"), ctx.pathParam("name")));
        app.delete(item, ctx -> delete(ctx, type, ctx.pathParam("name"), ctx.pathParam("name")));
        app.get("/" + type.plural(), ctx -> list(ctx, type, null));
      } else {
        String item = "/meshes/{mesh}/" + type.plural() + "/{name}";
        app.put(item, ctx -> put(ctx, type, ctx.pathParam("mesh"), ctx.pathParam("name")));
        app.get(item, ctx -> get(ctx, type, ctx.pathParam("mesh"), ctx.pathParam("name")));
        app.delete(item, ctx -> delete(ctx, type, ctx.pathParam("mesh"), ctx.pathParam("name")));
        app.get("/meshes/{mesh}/" + type.plural(), ctx -> list(ctx, type, ctx.pathParam("mesh")));
        app.get("/" + type.plural(), ctx -> list(ctx, type, null));
        if (PolicyResources.isPolicyType(type.name())) {
          app.get(
              item + "/_resources/dataplanes",
              ctx -> policyDataplanes(ctx, type, ctx.pathParam("mesh"), ctx.pathParam("name")));
        }
      }
    }
  }

  /**
   * Kuma's inspect API: the dataplanes of the mesh that the policy's top-level targetRef selects,
   * sorted by name, paged like the lists.
   */
  private void policyDataplanes(Context ctx, ResourceType type, String mesh, String name) {
    int size =
        Requests.intParam(ctx, "size", Requests.DEFAULT_PAGE_SIZE, 1, Requests.MAX_PAGE_SIZE);
    int offset = Requests.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    MeshState state = view.mesh(mesh);
    Resource resource = state.get(type, name).orElseThrow(() -> notFound(type, mesh, name));
    Policy policy =
        PolicyResources.toEngine(resource.payload())
            .orElseThrow(() -> new IllegalStateException(type + " is not a policy type"));
    // A policy on a MeshHTTPRoute's traffic selects what the route selects.
    List<Policy> routes =
        state.list(ResourceType.forPolicy(MeshHTTPRoute.TYPE)).stream()
            .flatMap(r -> PolicyResources.toEngine(r.payload()).stream())
            .toList();
    List<Resource> selected = new ArrayList<>();
    for (Resource dp : state.list(ResourceType.DATAPLANE)) {
      if (PolicyEngine.selects(policy, ProxyViews.of((DataplaneResource) dp.payload()), routes)) {
        selected.add(dp);
      }
    }
    ObjectNode page = json.createObjectNode();
    page.put("total", selected.size());
    ArrayNode items = page.putArray("items");
    int end = (int) Math.min(selected.size(), (long) offset + size);
    for (int i = offset; i < end; i++) {
      Resource dp = selected.get(i);
      ObjectNode item = items.addObject();
      item.put("kind", ResourceType.DATAPLANE.name());
      item.put("mesh", dp.mesh());
      item.put("name", dp.name());
      ObjectNode labels = item.putObject("labels");
      new TreeMap<>(labelsOf(ResourceType.DATAPLANE.mapper(), dp.payload())).forEach(labels::put);
    }
    if (end < selected.size()) {
      page.put("next", Requests.selfUrl(ctx, "offset=" + end + "&size=" + size));
    } else {
      page.putNull("next");
    }
    respond(ctx, 200, page);
  }

  private void put(Context ctx, ResourceType type, String mesh, String name) {
    authorizeWrite(ctx, type, mesh);
    Command.Conditions conditions = Requests.conditions(ctx);
    String idempotencyKey = Requests.idempotencyKey(ctx);
    boolean dryRun = Requests.flag(ctx, "dryRun");
    byte[] body = Requests.body(ctx, maxBodyBytes);
    var format = Requests.format(ctx);
    SpecificRecord payload;
    try {
      payload = type.parse(body, format, mesh, name, sealer);
    } catch (ValidationException e) {
      throw new ApiProblem(400, type + " \"" + name + "\" is not valid", e.violations());
    }
    var command =
        command(ctx, type, mesh, name, CommandKind.UPSERT, payload, conditions, false)
            .setIdempotencyKey(idempotencyKey)
            .build();
    if (dryRun) {
      dryRun(ctx, command);
      return;
    }
    answer(ctx, writes.submit(command));
  }

  private void delete(Context ctx, ResourceType type, String mesh, String name) {
    authorizeWrite(ctx, type, mesh);
    Command.Conditions conditions = Requests.conditions(ctx);
    String idempotencyKey = Requests.idempotencyKey(ctx);
    boolean dryRun = Requests.flag(ctx, "dryRun");
    boolean cascade = Requests.flag(ctx, "cascade");
    if (cascade && !type.equals(ResourceType.MESH)) {
      throw new ApiProblem(
          400,
          "cascade applies to meshes only",
          List.of(new Violation("cascade", "only a Mesh delete cascades")));
    }
    var command =
        command(ctx, type, mesh, name, CommandKind.DELETE, null, conditions, cascade)
            .setIdempotencyKey(idempotencyKey)
            .build();
    if (dryRun) {
      dryRun(ctx, command);
      return;
    }
    answer(ctx, writes.submit(command));
  }

  private dev.chronomesh.events.avro.Command.Builder command(
      Context ctx,
      ResourceType type,
      String mesh,
      String name,
      CommandKind kind,
      SpecificRecord payload,
      Command.Conditions conditions,
      boolean cascade) {
    return Commands.withConditions(
        dev.chronomesh.events.avro.Command.newBuilder()
            .setRequestId(Requests.requestId(ctx))
            .setMesh(mesh)
            .setResourceType(type.name())
            .setName(name)
            .setKind(kind)
            .setPayload(payload)
            .setCascade(cascade)
            .setActor(Requests.actor(ctx))
            .setRequestedAt(clock.instant()),
        conditions);
  }

  /** Decides against the view as the decider would, and answers without writing. */
  private void dryRun(Context ctx, dev.chronomesh.events.avro.Command command) {
    writes.catchUp(command.getMesh());
    Commands.Translation t = Commands.toModel(command);
    if (t.command() == null) {
      throw new ApiProblem(400, "the command is not valid", t.violations());
    }
    MeshState state = view.mesh(command.getMesh());
    switch (Decider.decide(t.command(), state)) {
      case Decision.Rejected r -> throw new ApiProblem(r.status(), r.detail(), r.violations());
      case Decision.Accepted a -> {
        var last = a.resourceEvent();
        if (t.command() instanceof Command.Upsert upsert) {
          Instant now = Instant.ofEpochMilli(command.getRequestedAt().toEpochMilli());
          Instant created =
              state.get(upsert.type(), upsert.name()).map(Resource::creationTime).orElse(now);
          ctx.header("ETag", etag(last.getRevision()));
          respond(
              ctx,
              a.status(),
              upsert.type().render(upsert.payload(), created, now, opener(ctx, upsert.mesh())));
        } else {
          respond(ctx, 200, json.createObjectNode());
        }
      }
    }
  }

  /** The HTTP answer of a command's result. */
  private record Answer(int status, JsonNode body, Long revision, boolean upsert) {}

  private void answer(Context ctx, CommandResult result) {
    Answer a = answerOf(ctx, result, ctx.path());
    if (a.status() >= 400) {
      Problems.write(
          ctx,
          json,
          a.status(),
          result.getDetail() == null ? "" : result.getDetail(),
          violations(result));
      return;
    }
    if (a.upsert()) {
      ctx.header("ETag", etag(a.revision()));
    }
    respond(ctx, a.status(), a.body());
  }

  private Answer answerOf(Context ctx, CommandResult result, String instance) {
    int status = result.getStatus();
    if (status >= 400) {
      return new Answer(
          status,
          Problems.body(
              json,
              status,
              result.getDetail() == null ? "" : result.getDetail(),
              instance,
              violations(result)),
          null,
          false);
    }
    List<ResourceChange> changes = result.getChanges();
    if (changes.isEmpty()) {
      return new Answer(status, json.createObjectNode(), null, false);
    }
    // A new Mesh's default policies follow its own change; a cascade's deletions precede it.
    ResourceChange last = Decision.Accepted.primary(changes, c -> c.getKind() == EventKind.DELETED);
    if (last.getKind() == EventKind.DELETED) {
      return new Answer(status, json.createObjectNode(), last.getRevision(), false);
    }
    Optional<ResourceType> type = InternalTypes.anyByName(last.getResourceType());
    Optional<Resource> now = type.flatMap(t -> view.mesh(last.getMesh()).get(t, last.getName()));
    JsonNode body =
        now.<JsonNode>map(
                r ->
                    r.type()
                        .render(
                            r.payload(),
                            r.creationTime(),
                            r.modificationTime(),
                            opener(ctx, r.mesh())))
            .orElseGet(json::createObjectNode);
    return new Answer(status, body, last.getRevision(), true);
  }

  private static List<Violation> violations(CommandResult result) {
    List<Violation> out = new ArrayList<>();
    for (var v : result.getViolations()) {
      out.add(new Violation(v.getField(), v.getReason()));
    }
    return out;
  }

  /** {@code GET /commands/{requestId}}: 200 with the outcome, 202 while awaited, 404 unknown. */
  private void command(Context ctx) {
    String id = ctx.pathParam("requestId");
    Optional<CommandClient.Status> status = commands.status(id);
    if (status.isEmpty()) {
      throw new ApiProblem(404, "no command with request id \"" + id + "\" is known here");
    }
    ObjectNode body = json.createObjectNode();
    body.put("requestId", id);
    switch (status.get()) {
      case CommandClient.Status.Pending p -> {
        body.put("state", "pending");
        ctx.header("Retry-After", "1");
        respond(ctx, 202, body);
      }
      case CommandClient.Status.Decided d -> {
        CommandResult result = d.result();
        writes.catchUp(result.getMesh());
        Answer a = answerOf(ctx, result, "/commands/" + id);
        body.put("state", "decided");
        body.put("status", a.status());
        if (result.getRepeatOf() != null) {
          body.put("repeatOf", result.getRepeatOf());
        }
        if (a.revision() != null) {
          body.put("revision", a.revision());
        }
        body.set("result", a.body());
        respond(ctx, 200, body);
      }
    }
  }

  /** {@code ?at=}: the moment a read is about, or null for now. */
  private static MeshHistory.At at(Context ctx) {
    String raw = ctx.queryParam("at");
    return raw == null || raw.isEmpty() ? null : MeshHistory.At.parse(raw);
  }

  private void get(Context ctx, ResourceType type, String mesh, String name) {
    MeshHistory.At at = at(ctx);
    MeshState state = at == null ? view.mesh(mesh) : past.mesh(mesh, at);
    Resource resource = state.get(type, name).orElseThrow(() -> notFound(type, mesh, name));
    ctx.header("ETag", etag(resource.revision()));
    respond(ctx, 200, render(ctx, resource));
  }

  private void list(Context ctx, ResourceType type, String mesh) {
    int size =
        Requests.intParam(ctx, "size", Requests.DEFAULT_PAGE_SIZE, 1, Requests.MAX_PAGE_SIZE);
    int offset = Requests.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    Map<String, String> labels = labelFilters(ctx);
    String nameContains = ctx.queryParam("name");
    List<Resource> all = new ArrayList<>();
    MeshHistory.At at = at(ctx);
    List<MeshState> states;
    if (at == null) {
      states = mesh != null ? List.of(view.mesh(mesh)) : view.meshes();
    } else {
      states = mesh != null ? List.of(past.mesh(mesh, at)) : past.meshes(at);
    }
    for (MeshState state : states) {
      for (Resource r : state.list(type)) {
        if (nameContains != null && !r.name().contains(nameContains)) {
          continue;
        }
        Map<String, String> have = labelsOf(type.mapper(), r.payload());
        if (labels.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())))) {
          all.add(r);
        }
      }
    }
    ObjectNode page = json.createObjectNode();
    page.put("total", all.size());
    ArrayNode items = page.putArray("items");
    int end = (int) Math.min(all.size(), (long) offset + size);
    for (int i = offset; i < end; i++) {
      items.add(render(ctx, all.get(i)));
    }
    if (end < all.size()) {
      StringBuilder q = new StringBuilder("offset=" + end + "&size=" + size);
      labels.forEach(
          (k, v) ->
              q.append('&')
                  .append(encode(LABEL_FILTER_PREFIX + k + "]"))
                  .append('=')
                  .append(encode(v)));
      if (nameContains != null) {
        q.append("&name=").append(encode(nameContains));
      }
      if (ctx.queryParam("at") != null) {
        q.append("&at=").append(encode(ctx.queryParam("at")));
      }
      page.put("next", Requests.selfUrl(ctx, q.toString()));
    } else {
      page.putNull("next");
    }
    respond(ctx, 200, page);
  }

  /** {@code filter[label.<key>]=<value>} parameters; any other {@code filter[...]} is a 400. */
  private static Map<String, String> labelFilters(Context ctx) {
    Map<String, String> filters = new TreeMap<>();
    List<Violation> violations = new ArrayList<>();
    for (var e : ctx.queryParamMap().entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("filter[")) {
        continue;
      }
      if (!key.startsWith(LABEL_FILTER_PREFIX)
          || !key.endsWith("]")
          || key.length() == LABEL_FILTER_PREFIX.length() + 1) {
        violations.add(new Violation(key, "only filter[label.<key>]=<value> is supported"));
        continue;
      }
      if (e.getValue().size() != 1) {
        violations.add(new Violation(key, "give one value"));
        continue;
      }
      filters.put(
          key.substring(LABEL_FILTER_PREFIX.length(), key.length() - 1), e.getValue().get(0));
    }
    if (!violations.isEmpty()) {
      throw new ApiProblem(400, "invalid filter", violations);
    }
    return filters;
  }

  private static <T extends SpecificRecord> Map<String, String> labelsOf(
      ResourceMapper<T> mapper, SpecificRecord payload) {
    Map<String, String> labels = mapper.labels(mapper.recordClass().cast(payload));
    return labels == null ? Map.of() : labels;
  }

  private JsonNode render(Context ctx, Resource r) {
    return r.type()
        .render(r.payload(), r.creationTime(), r.modificationTime(), opener(ctx, r.mesh()));
  }

  /** The sealer when the caller may read secret values of {@code mesh}, else null. */
  private Sealer opener(Context ctx, String mesh) {
    Principal p = ctx.attribute(Requests.PRINCIPAL);
    return p != null && p.canReadSecrets(mesh) ? sealer : null;
  }

  private static void authorizeWrite(Context ctx, ResourceType type, String mesh) {
    Principal p = Requests.principal(ctx);
    if (!p.canWrite(mesh, type.scope() == Scope.GLOBAL)) {
      String what =
          type.scope() == Scope.GLOBAL
              ? "write a " + type
              : "write " + type + " resources in mesh \"" + mesh + "\"";
      throw new ApiProblem(403, p.name() + " (" + p.role() + ") may not " + what);
    }
  }

  private static ApiProblem notFound(ResourceType type, String mesh, String name) {
    String where = type.scope() == Scope.MESH ? " in mesh \"" + mesh + "\"" : "";
    return new ApiProblem(404, type + " \"" + name + "\"" + where + " not found");
  }

  static String etag(long revision) {
    return "\"" + revision + "\"";
  }

  private void respond(Context ctx, int status, Object body) {
    ctx.status(status);
    ctx.contentType("application/json");
    try {
      ctx.result(json.writeValueAsBytes(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response", e);
    }
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** A path segment: like {@link #encode} but spaces as %20. */
  static String encodePath(String value) {
    return encode(value).replace("+", "%20");
  }
}
