package dev.chronomesh.commandapi;

import dev.chronomesh.commandapi.auth.Principal;
import dev.chronomesh.commandapi.decider.Commands;
import dev.chronomesh.meshmodel.Command;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.Violation;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** Request helpers: request ids, bounded bodies, media types, paging parameters. */
final class Requests {
  static final String REQUEST_ID_HEADER = "X-Request-Id";
  static final String REQUEST_ID = "chronomesh.request-id";
  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 1000;

  private static final Pattern REQUEST_ID_VALUE = Pattern.compile("[\\x21-\\x7e]{1,128}");

  private Requests() {}

  /** Takes the caller's X-Request-Id (when sane) or makes one, and echoes it back. */
  static void assignRequestId(Context ctx) {
    String id = ctx.header(REQUEST_ID_HEADER);
    if (id == null || !REQUEST_ID_VALUE.matcher(id).matches()) {
      id = UUID.randomUUID().toString();
    }
    ctx.attribute(REQUEST_ID, id);
    ctx.header(REQUEST_ID_HEADER, id);
  }

  static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST_ID);
    return id == null ? UUID.randomUUID().toString() : id;
  }

  static final String PRINCIPAL = CommandApiServer.PRINCIPAL_ATTRIBUTE;

  /** The authenticated caller; every route that needs one runs after the authentication gate. */
  static Principal principal(Context ctx) {
    Principal p = ctx.attribute(PRINCIPAL);
    if (p == null) {
      throw new ApiProblem(401, "authentication required");
    }
    return p;
  }

  /** The actor recorded in events: {@code name@client-address}. */
  static String actor(Context ctx) {
    return principal(ctx).actor(ctx.ip());
  }

  /**
   * The If-Match / If-None-Match preconditions, as {@link Preconditions} reads them; a 400 naming
   * the header when one is not an entity-tag list.
   */
  static Command.Conditions conditions(Context ctx) {
    return Preconditions.parse(
        header(ctx, Preconditions.IF_MATCH), header(ctx, Preconditions.IF_NONE_MATCH));
  }

  /** A list header's field lines joined as one value (RFC 9110 §5.3), or null when absent. */
  private static String header(Context ctx, String name) {
    List<String> lines = Collections.list(ctx.req().getHeaders(name));
    return lines.isEmpty() ? null : String.join(", ", lines);
  }

  /** The Idempotency-Key header: 1 to 255 printable characters, or null when absent. */
  static String idempotencyKey(Context ctx) {
    String key = ctx.header("Idempotency-Key");
    if (key == null) {
      return null;
    }
    if (key.isEmpty()
        || key.length() > Commands.MAX_IDEMPOTENCY_KEY
        || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw new ApiProblem(
          400,
          "invalid Idempotency-Key",
          List.of(
              new Violation(
                  "Idempotency-Key",
                  "must be 1 to " + Commands.MAX_IDEMPOTENCY_KEY + " printable ASCII characters")));
    }
    return key;
  }

  /** A boolean query parameter: absent/false/true; 400 naming it otherwise. */
  static boolean flag(Context ctx, String name) {
    String raw = ctx.queryParam(name);
    if (raw == null || raw.isEmpty() || raw.equals("false")) {
      return false;
    }
    if (raw.equals("true")) {
      return true;
    }
    throw new ApiProblem(
        400,
        "invalid query parameter " + name,
        List.of(new Violation(name, "must be true or false, got " + quote(raw))));
  }

  static String quote(String raw) {
    String shown = raw.length() > 64 ? raw.substring(0, 64) + "..." : raw;
    return "\"" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "\"";
  }

  static Format format(Context ctx) {
    Format format = Format.forContentType(ctx.header("Content-Type"));
    if (format == null) {
      throw new ApiProblem(
          415,
          "unsupported media type \""
              + ctx.header("Content-Type")
              + "\": send application/json or application/yaml");
    }
    return format;
  }

  /** The body, at most {@code max} bytes (413 beyond, whether declared or streamed). */
  static byte[] body(Context ctx, int max) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > max) {
      throw tooLarge(max);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        throw tooLarge(max);
      }
      return body;
    } catch (IOException e) {
      throw new ApiProblem(400, "cannot read the request body: " + e.getMessage());
    }
  }

  private static ApiProblem tooLarge(int max) {
    return new ApiProblem(413, "the request body is larger than " + max + " bytes");
  }

  /** A non-negative integer query parameter; 400 naming it otherwise. */
  static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
    String raw = ctx.queryParam(name);
    if (raw == null || raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ApiProblem(
        400,
        "invalid query parameter " + name,
        List.of(
            new Violation(name, "must be an integer from " + min + " to " + max + ", got " + raw)));
  }

  /** The request's own URL (scheme, host, path) with new query parameters. */
  static String selfUrl(Context ctx, String query) {
    return ctx.scheme() + "://" + ctx.host() + ctx.path() + "?" + query;
  }
}
