package dev.chronomesh.events.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent Schema Registry REST protocol over a {@link KafkaSchemaRegistry}, independent of
 * any HTTP framework: the caller passes method, path (relative to the mount point, still
 * percent-encoded), raw query string and body, and writes back the {@link Response}. Errors are
 * {@code {"error_code": N, "message": "..."}} with Confluent's codes; bad input never throws.
 *
 * <p>Routes: {@code GET /subjects}, {@code GET|POST /subjects/{s}/versions}, {@code GET
 * /subjects/{s}/versions/{v|latest}[/schema]}, {@code POST /subjects/{s}} (lookup), {@code GET
 * /schemas/ids/{id}[/schema]}, {@code GET /schemas/types}, {@code POST
 * /compatibility/subjects/{s}/versions[/{v|latest}]} ({@code ?verbose=true} adds the reasons),
 * {@code GET|PUT /config}, {@code GET|PUT|DELETE /config/{s}} ({@code ?defaultToGlobal=true}).
 */
public final class SchemaRegistryRestHandler {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryRestHandler.class);

  /** The media type of every response (and what clients send). */
  public static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";

  static final int INVALID_SCHEMA = 42201;
  static final int INVALID_VERSION = 42202;
  static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  static final int SUBJECT_NOT_FOUND = 40401;
  static final int SCHEMA_NOT_FOUND = 40403;
  static final int SUBJECT_LEVEL_NOT_CONFIGURED = 40408;
  static final int STORE_ERROR = 50001;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LATEST = -1;

  private final KafkaSchemaRegistry registry;

  public SchemaRegistryRestHandler(KafkaSchemaRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** An HTTP response: status, content type and body. */
  public record Response(int status, String contentType, byte[] body) {
    public Response {
      Objects.requireNonNull(contentType, "contentType");
      body = body == null ? new byte[0] : body.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Response r
          && r.status == status
          && r.contentType.equals(contentType)
          && Arrays.equals(r.body, body);
    }

    @Override
    public int hashCode() {
      return Objects.hash(status, contentType, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
      return "Response[status="
          + status
          + ", contentType="
          + contentType
          + ", body="
          + bodyText()
          + "]";
    }
  }

  /**
   * Answers one request.
   *
   * @param method HTTP method (GET, POST, PUT, DELETE)
   * @param path path below the mount point, percent-encoded, e.g. {@code
   *     /subjects/a-value/versions}
   * @param query raw query string without {@code ?}, or null
   * @param body request body, or null
   */
  public Response handle(String method, String path, String query, byte[] body) {
    try {
      return route(
          method == null ? "" : method.toUpperCase(Locale.ROOT),
          segments(path),
          parseQuery(query),
          body == null ? new byte[0] : body);
    } catch (BadRequest e) {
      return error(e.status, e.code, e.getMessage());
    } catch (SchemaRegistryException e) {
      return fromException(e);
    } catch (RuntimeException e) {
      LOG.error("Schema registry request failed method={} path={}", method, path, e);
      return error(500, STORE_ERROR, "Internal error: " + e);
    }
  }

  private Response route(String method, List<String> p, Map<String, String> q, byte[] body) {
    int n = p.size();
    if (n == 0) {
      return allow(method, "GET") ? json(200, JSON.createObjectNode()) : notAllowed();
    }
    switch (p.get(0)) {
      case "subjects":
        if (n == 1) {
          return allow(method, "GET") ? json(200, toArray(registry.subjects())) : notAllowed();
        }
        String subject = p.get(1);
        if (n == 2) {
          return allow(method, "POST") ? lookup(subject, body) : notAllowed();
        }
        if (!p.get(2).equals("versions") || n > 5) {
          return notFound();
        }
        if (n == 3) {
          return switch (method) {
            case "GET" -> json(200, toArray(registry.versions(subject)));
            case "POST" -> register(subject, body);
            default -> notAllowed();
          };
        }
        if (n == 5 && !p.get(4).equals("schema")) {
          return notFound();
        }
        if (!allow(method, "GET")) {
          return notAllowed();
        }
        RegisteredSchema version = registry.version(subject, parseVersion(p.get(3)));
        return n == 4 ? json(200, describe(version)) : rawSchema(version.schema());
      case "schemas":
        if (n == 2 && p.get(1).equals("types")) {
          return allow(method, "GET") ? json(200, toArray(List.of("AVRO"))) : notAllowed();
        }
        if (n < 3 || !p.get(1).equals("ids") || n > 4 || (n == 4 && !p.get(3).equals("schema"))) {
          return notFound();
        }
        if (!allow(method, "GET")) {
          return notAllowed();
        }
        Schema schema = registry.schemaById(parseId(p.get(2)));
        if (n == 4) {
          return rawSchema(schema);
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("schema", schema.toString());
        return json(200, out);
      case "compatibility":
        if (n < 4 || n > 5 || !p.get(1).equals("subjects") || !p.get(3).equals("versions")) {
          return notFound();
        }
        if (!allow(method, "POST")) {
          return notAllowed();
        }
        return compatibility(p.get(2), n == 5 ? parseVersion(p.get(4)) : LATEST, q, body);
      case "config":
        if (n == 1) {
          return switch (method) {
            case "GET" -> level("compatibilityLevel", registry.compatibility());
            case "PUT" -> {
              CompatibilityLevel level = parseLevel(body);
              registry.setCompatibility(level);
              yield level("compatibility", level);
            }
            default -> notAllowed();
          };
        }
        if (n > 2) {
          return notFound();
        }
        return config(method, p.get(1), q, body);
      default:
        return notFound();
    }
  }

  private Response register(String subject, byte[] body) {
    Schema schema = parseSchemaRequest(body);
    int id = registry.register(subject, schema);
    ObjectNode out = JSON.createObjectNode();
    out.put("id", id);
    return json(200, out);
  }

  private Response lookup(String subject, byte[] body) {
    Schema schema = parseSchemaRequest(body);
    return json(200, describe(registry.lookup(subject, schema)));
  }

  private Response compatibility(String subject, int version, Map<String, String> q, byte[] body) {
    Schema schema = parseSchemaRequest(body);
    List<String> problems = registry.testCompatibility(subject, version, schema);
    ObjectNode out = JSON.createObjectNode();
    out.put("is_compatible", problems.isEmpty());
    if ("true".equalsIgnoreCase(q.get("verbose"))) {
      out.set("messages", toArray(problems));
    }
    return json(200, out);
  }

  private Response config(String method, String subject, Map<String, String> q, byte[] body) {
    switch (method) {
      case "GET":
        KafkaSchemaRegistry.validateSubject(subject);
        CompatibilityLevel own = registry.compatibility(subject).orElse(null);
        if (own == null) {
          if ("true".equalsIgnoreCase(q.get("defaultToGlobal"))) {
            return level("compatibilityLevel", registry.compatibility());
          }
          return error(
              404,
              SUBJECT_LEVEL_NOT_CONFIGURED,
              "Subject '" + subject + "' does not have subject-level compatibility configured");
        }
        return level("compatibilityLevel", own);
      case "PUT":
        KafkaSchemaRegistry.validateSubject(subject);
        CompatibilityLevel level = parseLevel(body);
        registry.setCompatibility(subject, level);
        return level("compatibility", level);
      case "DELETE":
        return level("compatibilityLevel", registry.deleteCompatibility(subject));
      default:
        return notAllowed();
    }
  }

  // ---------------------------------------------------------------- input parsing

  /**
   * Parses a {"schema": "...", "schemaType": "AVRO", "references": []} body, naming every problem.
   */
  private static Schema parseSchemaRequest(byte[] body) {
    JsonNode node = parseJsonObject(body, INVALID_SCHEMA);
    List<String> problems = new ArrayList<>();
    JsonNode schemaType = node.get("schemaType");
    if (schemaType != null && !schemaType.isNull()) {
      if (!schemaType.isTextual()) {
        problems.add("schemaType must be a string");
      } else if (!schemaType.asText().equals("AVRO")) {
        problems.add("schemaType " + schemaType.asText() + " is not supported (only AVRO)");
      }
    }
    JsonNode references = node.get("references");
    if (references != null && !references.isNull()) {
      if (!references.isArray()) {
        problems.add("references must be an array");
      } else if (!references.isEmpty()) {
        problems.add("schema references are not supported");
      }
    }
    JsonNode schemaNode = node.get("schema");
    Schema schema = null;
    if (schemaNode == null || schemaNode.isNull()) {
      problems.add("schema is missing");
    } else if (!schemaNode.isTextual()) {
      problems.add("schema must be a string holding the schema's JSON");
    } else if (schemaNode.asText().isBlank()) {
      problems.add("schema must not be empty");
    } else if (problems.isEmpty()) {
      try {
        schema = new Schema.Parser().parse(schemaNode.asText());
      } catch (RuntimeException e) {
        problems.add("Invalid schema: " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new BadRequest(422, INVALID_SCHEMA, String.join("; ", problems));
    }
    return schema;
  }

  private static CompatibilityLevel parseLevel(byte[] body) {
    JsonNode node = parseJsonObject(body, INVALID_COMPATIBILITY_LEVEL);
    JsonNode level = node.get("compatibility");
    if (level == null || !level.isTextual()) {
      throw new BadRequest(
          422,
          INVALID_COMPATIBILITY_LEVEL,
          "compatibility is missing or not a string. " + validLevels());
    }
    return CompatibilityLevel.parse(level.asText())
        .orElseThrow(
            () ->
                new BadRequest(
                    422,
                    INVALID_COMPATIBILITY_LEVEL,
                    "Invalid compatibility level " + level.asText() + ". " + validLevels()));
  }

  private static String validLevels() {
    return "Valid values are " + Arrays.toString(CompatibilityLevel.values());
  }

  private static JsonNode parseJsonObject(byte[] body, int errorCode) {
    if (body.length == 0) {
      throw new BadRequest(422, errorCode, "the request body is empty (a JSON object is expected)");
    }
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (IOException e) {
      String detail =
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new BadRequest(422, errorCode, "the request body is not valid JSON: " + detail);
    }
    if (node == null || !node.isObject()) {
      throw new BadRequest(422, errorCode, "the request body must be a JSON object");
    }
    return node;
  }

  private static int parseVersion(String text) {
    if (text.equals("latest") || text.equals("-1")) {
      return LATEST;
    }
    try {
      int v = Integer.parseInt(text);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    throw new BadRequest(
        422,
        INVALID_VERSION,
        "The specified version '"
            + text
            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string"
            + " \"latest\"");
  }

  private static int parseId(String text) {
    try {
      int id = Integer.parseInt(text);
      if (id >= 1) {
        return id;
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    throw new BadRequest(404, SCHEMA_NOT_FOUND, "Schema " + text + " not found");
  }

  /** Splits the raw path on '/' and percent-decodes each segment (a %2F stays in its segment). */
  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    if (path == null) {
      return out;
    }
    String trimmed = path;
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.isEmpty()) {
      return out;
    }
    for (String raw : trimmed.split("/", -1)) {
      out.add(percentDecode(raw));
    }
    return out;
  }

  private static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()
            || Character.digit(s.charAt(i + 1), 16) < 0
            || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw new BadRequest(400, 400, "malformed percent-encoding in path segment " + s);
        }
        bytes.write(
            Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(utf8, 0, utf8.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadRequest(400, 400, "path segment " + s + " is not UTF-8 once decoded");
    }
  }

  private static Map<String, String> parseQuery(String query) {
    Map<String, String> out = new HashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String name =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        out.putIfAbsent(name, value);
      } catch (IllegalArgumentException e) {
        throw new BadRequest(400, 400, "malformed query string: " + e.getMessage());
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- output

  private static boolean allow(String method, String allowed) {
    return method.equals(allowed);
  }

  private static ObjectNode describe(RegisteredSchema s) {
    ObjectNode out = JSON.createObjectNode();
    out.put("subject", s.subject());
    out.put("version", s.version());
    out.put("id", s.id());
    out.put("schema", s.schema().toString());
    return out;
  }

  private static ArrayNode toArray(List<?> values) {
    ArrayNode array = JSON.createArrayNode();
    for (Object v : values) {
      if (v instanceof Integer i) {
        array.add(i);
      } else {
        array.add(String.valueOf(v));
      }
    }
    return array;
  }

  private static Response level(String field, CompatibilityLevel level) {
    ObjectNode out = JSON.createObjectNode();
    out.put(field, level.name());
    return json(200, out);
  }

  private static Response rawSchema(Schema schema) {
    return new Response(200, MEDIA_TYPE, schema.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static Response json(int status, JsonNode node) {
    try {
      return new Response(status, MEDIA_TYPE, JSON.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
  }

  private static Response notFound() {
    return error(404, 404, "HTTP 404 Not Found");
  }

  private static Response notAllowed() {
    return error(405, 405, "HTTP 405 Method Not Allowed");
  }

  static Response fromException(SchemaRegistryException e) {
    int code = e.errorCode();
    int status;
    if (code >= 10000) {
      status = code / 100;
    } else if (code >= 400 && code < 600) {
      status = code;
    } else {
      status = 500;
      code = STORE_ERROR;
    }
    if (status >= 500) {
      LOG.warn("Schema registry error code={} message={}", code, e.getMessage());
    }
    return error(status, code, e.getMessage());
  }

  private static Response error(int status, int code, String message) {
    ObjectNode out = JSON.createObjectNode();
    out.put("error_code", code);
    out.put("message", message == null ? "" : message);
    return json(status, out);
  }

  /** Bad input detected while parsing a request: answered with its status and error code. */
  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final int code;

    BadRequest(int status, int code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }
}
