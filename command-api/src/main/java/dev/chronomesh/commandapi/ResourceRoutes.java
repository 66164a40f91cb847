package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Command;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Scope;
import dev.chronomesh.meshmodel.ValidationException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Kuma's resource REST paths, one set per {@link ResourceType}: global types at {@code
 * /{plural}/{name}}, mesh-scoped types at {@code /meshes/{mesh}/{plural}/{name}} plus {@code
 * /{plural}} across meshes.
 */
final class ResourceRoutes {
  private final EventView view;
  private final WriteService writes;
  private final ObjectMapper json;
  private final Clock clock;
  private final int maxBodyBytes;

  ResourceRoutes(
      EventView view, WriteService writes, ObjectMapper json, Clock clock, int maxBodyBytes) {
    this.view = view;
    this.writes = writes;
    this.json = json;
    this.clock = clock;
    this.maxBodyBytes = maxBodyBytes;
  }

  void register(Javalin app) {
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
      }
    }
  }

  private void put(Context ctx, ResourceType type, String mesh, String name) {
    byte[] body = Requests.body(ctx, maxBodyBytes);
    var format = Requests.format(ctx);
    org.apache.avro.specific.SpecificRecord payload;
    try {
      payload = type.parse(body, format, mesh, name);
    } catch (ValidationException e) {
      throw new ApiProblem(400, type + " \"" + name + "\" is not valid", e.violations());
    }
    WriteService.Outcome outcome =
        writes.apply(new Command.Upsert(type, mesh, name, payload, metadata(ctx)));
    if (outcome.resource() == null) {
      // Another writer deleted it between our append and this read: report what we wrote.
      throw new ApiProblem(409, type + " \"" + name + "\" was changed concurrently; retry");
    }
    respond(ctx, outcome.created() ? 201 : 200, outcome.resource().render());
  }

  private void get(Context ctx, ResourceType type, String mesh, String name) {
    Resource resource =
        view.mesh(mesh).get(type, name).orElseThrow(() -> notFound(type, mesh, name));
    respond(ctx, 200, resource.render());
  }

  private void delete(Context ctx, ResourceType type, String mesh, String name) {
    writes.apply(new Command.Delete(type, mesh, name, metadata(ctx)));
    respond(ctx, 200, json.createObjectNode());
  }

  private void list(Context ctx, ResourceType type, String mesh) {
    int size =
        Requests.intParam(ctx, "size", Requests.DEFAULT_PAGE_SIZE, 1, Requests.MAX_PAGE_SIZE);
    int offset = Requests.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    List<Resource> all = new ArrayList<>();
    if (mesh != null) {
      all.addAll(view.mesh(mesh).list(type));
    } else {
      for (MeshState state : view.meshes()) {
        all.addAll(state.list(type));
      }
    }
    ObjectNode page = json.createObjectNode();
    page.put("total", all.size());
    ArrayNode items = page.putArray("items");
    int end = (int) Math.min(all.size(), (long) offset + size);
    for (int i = offset; i < end; i++) {
      items.add(all.get(i).render());
    }
    if (end < all.size()) {
      page.put("next", Requests.selfUrl(ctx, "offset=" + end + "&size=" + size));
    } else {
      page.putNull("next");
    }
    respond(ctx, 200, page);
  }

  private Command.Metadata metadata(Context ctx) {
    return new Command.Metadata(
        UUID.randomUUID().toString(),
        clock.instant(),
        Requests.actor(ctx),
        Requests.requestId(ctx));
  }

  private static ApiProblem notFound(ResourceType type, String mesh, String name) {
    String where = type.scope() == Scope.MESH ? " in mesh \"" + mesh + "\"" : "";
    return new ApiProblem(404, type + " \"" + name + "\"" + where + " not found");
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
}
