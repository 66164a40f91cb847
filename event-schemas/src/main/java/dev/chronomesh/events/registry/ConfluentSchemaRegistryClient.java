package dev.chronomesh.events.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A {@link SchemaRegistry} speaking the Confluent Schema Registry REST protocol (Confluent's
 * registry, or Chronomesh's own under {@code /schema-registry}). Ids and schemas are cached: a
 * registered (subject, schema) and a fetched id cost one request each, once.
 */
public final class ConfluentSchemaRegistryClient implements SchemaRegistry {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9,"
          + " application/json; qs=0.5";
  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final String baseUrl;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Map<String, Map<String, Integer>> idsBySubject = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

  /** A client with its own HTTP client (10 s connect timeout, 30 s per request). */
  public ConfluentSchemaRegistryClient(URI baseUrl) {
    this(
        baseUrl,
        HttpClient.newBuilder()
            .connectTimeout(DEFAULT_CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build());
  }

  /** A client using {@code http} (its connect timeout applies) and 30 s per request. */
  public ConfluentSchemaRegistryClient(URI baseUrl, HttpClient http) {
    this(baseUrl, http, DEFAULT_REQUEST_TIMEOUT);
  }

  /** A client using {@code http} with {@code requestTimeout} per request. */
  public ConfluentSchemaRegistryClient(URI baseUrl, HttpClient http, Duration requestTimeout) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    this.http = Objects.requireNonNull(http, "http");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
    }
    String scheme = baseUrl.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL: " + baseUrl);
    }
    if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
      throw new IllegalArgumentException("baseUrl must not have a query or fragment: " + baseUrl);
    }
    String url = baseUrl.toString();
    while (url.endsWith("/")) {
      url = url.substring(0, url.length() - 1);
    }
    this.baseUrl = url;
  }

  @Override
  public int register(String subject, Schema schema) {
    Objects.requireNonNull(schema, "schema");
    String text = schema.toString();
    Integer cached = idsBySubject.getOrDefault(requireSubject(subject), Map.of()).get(text);
    if (cached != null) {
      return cached;
    }
    JsonNode response =
        send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(text));
    JsonNode id = response.get("id");
    if (id == null || !id.canConvertToInt()) {
      throw new SchemaRegistryException(
          50001, "registry answered without an id registering subject " + subject);
    }
    idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(text, id.asInt());
    schemasById.putIfAbsent(id.asInt(), schema);
    return id.asInt();
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode response = send("GET", "/schemas/ids/" + id, null);
    JsonNode type = response.get("schemaType");
    if (type != null && type.isTextual() && !type.asText().equals("AVRO")) {
      throw new SchemaRegistryException(
          42201, "schema " + id + " is of type " + type.asText() + ", not AVRO");
    }
    JsonNode text = response.get("schema");
    if (text == null || !text.isTextual()) {
      throw new SchemaRegistryException(50001, "registry answered without a schema for id " + id);
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text.asText());
    } catch (RuntimeException e) {
      throw new SchemaRegistryException(
          42201, "registry answered with an invalid schema for id " + id + ": " + e.getMessage());
    }
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous == null ? schema : previous;
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    Objects.requireNonNull(schema, "schema");
    try {
      JsonNode response =
          send(
              "POST",
              "/compatibility/subjects/" + encode(requireSubject(subject)) + "/versions/latest",
              schemaBody(schema.toString()));
      JsonNode answer = response.get("is_compatible");
      if (answer == null || !answer.isBoolean()) {
        throw new SchemaRegistryException(
            50001, "registry answered without is_compatible for subject " + subject);
      }
      return answer.asBoolean();
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == 40401 || e.errorCode() == 40402) {
        return true; // nothing registered yet: anything may be registered
      }
      throw e;
    }
  }

  private static String requireSubject(String subject) {
    if (subject == null || subject.isEmpty()) {
      throw new IllegalArgumentException("subject must not be empty");
    }
    return subject;
  }

  private static String schemaBody(String schemaText) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schema", schemaText);
    return body.toString();
  }

  /** Percent-encodes one path segment (spaces as %20, '/' as %2F). */
  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode send(String method, String path, String body) {
    URI uri = URI.create(baseUrl + path);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", ACCEPT);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", MEDIA_TYPE)
          .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new SchemaRegistryException(
          "schema registry " + method + " " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(
          "interrupted during schema registry " + method + " " + uri, e);
    }
    JsonNode json = null;
    try {
      json = JSON.readTree(response.body());
    } catch (IOException e) {
      // handled below: a success needs JSON, an error is reported with its status
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      if (json == null || !json.isObject()) {
        throw new SchemaRegistryException(
            50001,
            "schema registry "
                + method
                + " "
                + uri
                + " answered "
                + status
                + " without a"
                + " JSON object");
      }
      return json;
    }
    if (json != null && json.isObject() && json.path("error_code").canConvertToInt()) {
      throw new SchemaRegistryException(
          json.get("error_code").asInt(),
          json.path("message").asText("") + " (" + method + " " + uri + ": HTTP " + status + ")");
    }
    String snippet = new String(response.body(), StandardCharsets.UTF_8);
    if (snippet.length() > 200) {
      snippet = snippet.substring(0, 200) + "...";
    }
    throw new SchemaRegistryException(
        status,
        "schema registry " + method + " " + uri + " answered HTTP " + status + ": " + snippet);
  }

  @Override
  public String toString() {
    return "ConfluentSchemaRegistryClient[" + baseUrl + "]";
  }
}
