package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.view.EventView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /meshes/{mesh}/dataplanes/{name}/_overview}: the dataplane and what the xDS gateways
 * report of its proxy (connected, on which gateway, the versions it acknowledged, its last NACK,
 * the last refusal of its client, e.g. a proxyless gRPC client of a Dataplane without the proxyless
 * label), compared with the version the projection has for it. Authenticated like every read.
 */
final class DataplaneOverviewRoute {
  static final String PATH = "/meshes/{mesh}/dataplanes/{name}/_overview";

  /** The xDS types whose version is the proxy config's version (EDS has its own). */
  private static final List<String> CONFIG_TYPES =
      List.of(
          "type.googleapis.com/envoy.config.cluster.v3.Cluster",
          "type.googleapis.com/envoy.config.listener.v3.Listener");

  private final EventView view;
  private final ProxyStatusView status;
  private final ObjectMapper json;

  DataplaneOverviewRoute(EventView view, ProxyStatusView status, ObjectMapper json) {
    this.view = view;
    this.status = status;
    this.json = json;
  }

  void register(Javalin app) {
    app.get(PATH, this::overview);
  }

  private void overview(Context ctx) throws Exception {
    String mesh = ctx.pathParam("mesh");
    String name = ctx.pathParam("name");
    Resource dp = Lookups.dataplane(view.mesh(mesh), mesh, name);
    ObjectNode body = json.createObjectNode();
    // Dataplanes hold no sealed values: rendered without a sealer.
    body.set(
        "dataplane",
        dp.type().render(dp.payload(), dp.creationTime(), dp.modificationTime(), null));
    body.set("status", statusJson(status.status(mesh, name), status.projectedVersion(mesh, name)));
    ctx.header("ETag", ResourceRoutes.etag(dp.revision()));
    ctx.status(200).contentType("application/json").result(json.writeValueAsBytes(body));
  }

  ObjectNode statusJson(ProxyStatusView.Status s, String projectedVersion) {
    ObjectNode out = json.createObjectNode();
    out.put("connected", s.connected());
    out.put("gateway", s.gateway());
    out.put("protocol", s.protocol());
    out.put("connectedAt", text(s.connectedAt()));
    out.put("disconnectedAt", text(s.disconnectedAt()));
    ObjectNode acked = out.putObject("acked");
    for (Map.Entry<String, ProxyStatusView.Ack> e : s.acked().entrySet()) {
      ObjectNode a = acked.putObject(e.getKey());
      a.put("version", e.getValue().version());
      a.put("at", text(e.getValue().at()));
      if (e.getValue().convergenceMillis() == null) {
        a.putNull("convergenceMillis");
      } else {
        a.put("convergenceMillis", e.getValue().convergenceMillis());
      }
    }
    if (s.lastNack() == null) {
      out.putNull("lastNack");
    } else {
      ObjectNode n = out.putObject("lastNack");
      n.put("typeUrl", s.lastNack().typeUrl());
      n.put("version", s.lastNack().version());
      n.put("error", s.lastNack().error());
      n.put("at", text(s.lastNack().at()));
    }
    if (s.lastRefusal() == null) {
      out.putNull("lastRefusal");
    } else {
      ObjectNode r = out.putObject("lastRefusal");
      r.put("gateway", s.lastRefusal().gateway());
      r.put("error", s.lastRefusal().error());
      r.put("at", text(s.lastRefusal().at()));
    }
    out.put("projectedVersion", projectedVersion);
    List<String> behind =
        CONFIG_TYPES.stream()
            .filter(t -> s.acked().containsKey(t))
            .filter(t -> !s.acked().get(t).version().equals(projectedVersion))
            .toList();
    boolean anyAcked = CONFIG_TYPES.stream().anyMatch(t -> s.acked().containsKey(t));
    out.put("inSync", s.connected() && projectedVersion != null && anyAcked && behind.isEmpty());
    out.set("behind", json.valueToTree(behind));
    return out;
  }

  private static String text(Instant at) {
    return at == null ? null : at.toString();
  }
}
