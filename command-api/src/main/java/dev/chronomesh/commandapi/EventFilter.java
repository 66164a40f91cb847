package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Violation;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filters of {@code GET /events}: mesh, resource type, name (each exact), actor (exact, or the
 * principal of a {@code <principal>@<client address>} actor, so one user from any host), the time
 * range {@code since} ≤ occurredAt &lt; {@code until} (RFC 3339) and the offset range {@code
 * offset} ≤ offset &lt; {@code endOffset} (applied to each partition read). Pure: parsing and
 * matching only.
 */
record EventFilter(
    String mesh,
    String type,
    String name,
    String actor,
    Instant since,
    Instant until,
    long offset,
    long endOffset) {

  /** The filters of the request, every problem named with its parameter. */
  static EventFilter of(Context ctx) {
    List<Violation> problems = new ArrayList<>();
    String type = param(ctx, "type");
    if (type != null && ResourceType.byName(type).isEmpty()) {
      problems.add(
          new Violation(
              "type",
              "must be one of "
                  + ResourceType.all().stream().map(ResourceType::name).toList()
                  + ", got "
                  + type));
    }
    Instant since = time(ctx, "since", problems);
    Instant until = time(ctx, "until", problems);
    if (since != null && until != null && !since.isBefore(until)) {
      problems.add(new Violation("until", "must be after since"));
    }
    long offset = offset(ctx, "offset", 0, problems);
    long endOffset = offset(ctx, "endOffset", Long.MAX_VALUE, problems);
    if (endOffset <= offset && problems.isEmpty()) {
      problems.add(new Violation("endOffset", "must be greater than offset"));
    }
    if (!problems.isEmpty()) {
      throw new ApiProblem(400, "invalid query parameters of /events", problems);
    }
    return new EventFilter(
        param(ctx, "mesh"),
        type,
        param(ctx, "name"),
        param(ctx, "actor"),
        since,
        until,
        offset,
        endOffset);
  }

  boolean matches(ResourceEvent e) {
    Instant at = e.getOccurredAt();
    return (mesh == null || mesh.equals(e.getMesh()))
        && (type == null || type.equals(e.getResourceType()))
        && (name == null || name.equals(e.getName()))
        && (actor == null || actor.equals(e.getActor()) || e.getActor().startsWith(actor + "@"))
        && (since == null || !at.isBefore(since))
        && (until == null || at.isBefore(until));
  }

  /** The filters as query parameters (for {@code next}), in a fixed order; defaults left out. */
  Map<String, String> query() {
    Map<String, String> q = new LinkedHashMap<>();
    put(q, "mesh", mesh);
    put(q, "type", type);
    put(q, "name", name);
    put(q, "actor", actor);
    put(q, "since", since == null ? null : since.toString());
    put(q, "until", until == null ? null : until.toString());
    if (offset > 0) {
      q.put("offset", Long.toString(offset));
    }
    if (endOffset != Long.MAX_VALUE) {
      q.put("endOffset", Long.toString(endOffset));
    }
    return q;
  }

  private static void put(Map<String, String> q, String key, String value) {
    if (value != null) {
      q.put(key, value);
    }
  }

  private static String param(Context ctx, String name) {
    String raw = ctx.queryParam(name);
    return raw == null || raw.isEmpty() ? null : raw;
  }

  private static Instant time(Context ctx, String name, List<Violation> problems) {
    String raw = param(ctx, name);
    if (raw == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(raw).toInstant();
    } catch (DateTimeParseException e) {
      problems.add(
          new Violation(name, "must be an RFC 3339 time such as 2026-12-07T03:12:00Z, got " + raw));
      return null;
    }
  }

  private static long offset(Context ctx, String name, long fallback, List<Violation> problems) {
    String raw = param(ctx, name);
    if (raw == null) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(new Violation(name, "must be a Kafka offset (a whole number ≥ 0), got " + raw));
    return fallback;
  }
}
