package dev.chronomesh.commandapi;

import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.Violation;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
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

  /** Until authentication exists, every caller is anonymous at its address. */
  static String actor(Context ctx) {
    return "anonymous@" + ctx.ip();
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
