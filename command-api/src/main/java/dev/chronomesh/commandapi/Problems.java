package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violation;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** Writes problem+json bodies (RFC 9457) the way Kuma 2.x does. */
final class Problems {
  static final String CONTENT_TYPE = "application/problem+json";

  /** Set on a context once a problem was written, so the status-code fallbacks leave it alone. */
  static final String WRITTEN = "chronomesh.problem-written";

  private static final Map<Integer, String> TITLES =
      Map.ofEntries(
          Map.entry(400, "Bad Request"),
          Map.entry(401, "Unauthorized"),
          Map.entry(403, "Forbidden"),
          Map.entry(412, "Precondition Failed"),
          Map.entry(404, "Not Found"),
          Map.entry(405, "Method Not Allowed"),
          Map.entry(409, "Conflict"),
          Map.entry(413, "Content Too Large"),
          Map.entry(415, "Unsupported Media Type"),
          Map.entry(500, "Internal Server Error"),
          Map.entry(503, "Service Unavailable"),
          Map.entry(504, "Gateway Timeout"));

  private Problems() {}

  static String title(int status) {
    return TITLES.getOrDefault(status, "Error");
  }

  static void write(
      Context ctx, ObjectMapper json, int status, String detail, List<Violation> violations) {
    ctx.attribute(WRITTEN, Boolean.TRUE);
    ctx.status(status);
    ctx.contentType(CONTENT_TYPE);
    ctx.result(body(json, status, detail, ctx.path(), violations).toString());
  }

  /** The problem document itself (also the {@code result} of a rejected command). */
  static ObjectNode body(
      ObjectMapper json, int status, String detail, String instance, List<Violation> violations) {
    ObjectNode body = json.createObjectNode();
    body.put("type", "/std-errors");
    body.put("title", title(status));
    body.put("status", status);
    body.put("detail", detail);
    body.put("instance", instance);
    if (!violations.isEmpty()) {
      ArrayNode params = body.putArray("invalid_parameters");
      for (Violation v : violations) {
        params.addObject().put("field", v.field()).put("reason", v.reason());
      }
    }
    return body;
  }
}
