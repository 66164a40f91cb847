package dev.chronomesh.events.registry;

import static dev.chronomesh.events.registry.TestSchemas.V1;
import static dev.chronomesh.events.registry.TestSchemas.V2_REQUIRED;
import static dev.chronomesh.events.registry.TestSchemas.V2_WITH_DEFAULT;
import static dev.chronomesh.events.registry.TestSchemas.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.registry.SchemaRegistryRestHandler.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every route and every error of the REST protocol, over a registry on an in-memory log. */
class SchemaRegistryRestHandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KafkaSchemaRegistry registry =
      KafkaSchemaRegistry.over(new InMemoryRegistryLog(), "t.schemas", Duration.ofSeconds(10));
  private final SchemaRegistryRestHandler handler = new SchemaRegistryRestHandler(registry);

  @AfterEach
  void close() {
    registry.close();
  }

  private Response call(String method, String path) {
    return call(method, path, null, (byte[]) null);
  }

  private Response call(String method, String path, String query, String body) {
    return call(method, path, query, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  private Response call(String method, String path, String query, byte[] body) {
    Response r = handler.handle(method, path, query, body);
    assertThat(r.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    return r;
  }

  private static JsonNode json(Response r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String schemaBody(String schema) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schema", schema);
    return body.toString();
  }

  private static void assertError(Response r, int status, int code, String... messageParts) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    JsonNode body = json(r);
    assertThat(body.get("error_code").asInt()).as(r.toString()).isEqualTo(code);
    for (String part : messageParts) {
      assertThat(body.get("message").asText()).contains(part);
    }
  }

  private int register(String subject, String schema) {
    Response r = call("POST", "/subjects/" + subject + "/versions", null, schemaBody(schema));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return json(r).get("id").asInt();
  }

  @Test
  void rootAnswersAnEmptyObject() {
    assertThat(call("GET", "/").bodyText()).isEqualTo("{}");
    assertThat(call("GET", "").status()).isEqualTo(200);
    assertError(call("POST", "/"), 405, 405);
  }

  @Test
  void registersAndListsSubjectsAndVersions() {
    assertThat(call("GET", "/subjects").bodyText()).isEqualTo("[]");

    int id1 = register("s-value", V1);
    assertThat(register("s-value", V1)).isEqualTo(id1);
    int id2 = register("s-value", V2_WITH_DEFAULT);
    register("a-value", V1);

    assertThat(call("GET", "/subjects").bodyText()).isEqualTo("[\"a-value\",\"s-value\"]");
    assertThat(call("GET", "/subjects/s-value/versions").bodyText()).isEqualTo("[1,2]");
    JsonNode v1 = json(call("GET", "/subjects/s-value/versions/1"));
    assertThat(v1.get("subject").asText()).isEqualTo("s-value");
    assertThat(v1.get("version").asInt()).isEqualTo(1);
    assertThat(v1.get("id").asInt()).isEqualTo(id1);
    assertThat(parse(v1.get("schema").asText())).isEqualTo(parse(V1));
    assertThat(json(call("GET", "/subjects/s-value/versions/latest")).get("id").asInt())
        .isEqualTo(id2);
    assertThat(json(call("GET", "/subjects/s-value/versions/-1")).get("version").asInt())
        .isEqualTo(2);
    assertThat(parse(call("GET", "/subjects/s-value/versions/1/schema").bodyText()))
        .isEqualTo(parse(V1));
    assertThat(call("GET", "/subjects/s-value/versions/").status()).isEqualTo(200);
  }

  @Test
  void versionErrors() {
    register("s", V1);

    assertError(call("GET", "/subjects/s/versions/2"), 404, 40402, "Version 2");
    assertError(call("GET", "/subjects/s/versions/0"), 422, 42202, "'0'");
    assertError(call("GET", "/subjects/s/versions/abc"), 422, 42202, "'abc'");
    assertError(call("GET", "/subjects/s/versions/99999999999"), 422, 42202);
    assertError(call("GET", "/subjects/s/versions/abc/schema"), 422, 42202);
    assertError(call("GET", "/subjects/nope/versions"), 404, 40401, "nope");
    assertError(call("GET", "/subjects/nope/versions/1"), 404, 40401);
    assertError(call("GET", "/subjects/nope/versions/latest/schema"), 404, 40401);
  }

  @Test
  void subjectsArePercentDecodedPerSegment() {
    register("a%2Fb%20c", V1);

    assertThat(call("GET", "/subjects").bodyText()).isEqualTo("[\"a/b c\"]");
    assertThat(call("GET", "/subjects/a%2Fb%20c/versions").bodyText()).isEqualTo("[1]");
    assertError(call("GET", "/subjects/a%2/versions"), 400, 400, "percent-encoding");
    assertError(call("GET", "/subjects/%FF/versions"), 400, 400, "UTF-8");
    assertError(call("GET", "/subjects/a%0Ab/versions"), 422, 42208, "control");
    assertError(call("POST", "/subjects/%20/versions", null, schemaBody(V1)), 422, 42208, "blank");
  }

  @Test
  void looksUpASchemaInASubject() {
    int id = register("s", V1);

    JsonNode found = json(call("POST", "/subjects/s", null, schemaBody(V1)));
    assertThat(found.get("id").asInt()).isEqualTo(id);
    assertThat(found.get("version").asInt()).isEqualTo(1);
    assertThat(found.get("subject").asText()).isEqualTo("s");
    assertError(call("POST", "/subjects/s", null, schemaBody(V2_WITH_DEFAULT)), 404, 40403);
    assertError(call("POST", "/subjects/nope", null, schemaBody(V1)), 404, 40401);
    assertError(call("POST", "/subjects/s", null, "{"), 422, 42201, "not valid JSON");
  }

  @Test
  void servesSchemasById() {
    int id = register("s", V1);

    JsonNode byId = json(call("GET", "/schemas/ids/" + id));
    assertThat(parse(byId.get("schema").asText())).isEqualTo(parse(V1));
    assertThat(parse(call("GET", "/schemas/ids/" + id + "/schema").bodyText()))
        .isEqualTo(parse(V1));
    assertError(call("GET", "/schemas/ids/" + (id == 1 ? 2 : 1)), 404, 40403);
    assertError(call("GET", "/schemas/ids/abc"), 404, 40403, "abc");
    assertError(call("GET", "/schemas/ids/-5"), 404, 40403);
    assertThat(call("GET", "/schemas/types").bodyText()).isEqualTo("[\"AVRO\"]");
  }

  @Test
  void refusesAnIncompatibleSchemaWith409() {
    register("s", V1);

    assertError(
        call("POST", "/subjects/s/versions", null, schemaBody(V2_REQUIRED)),
        409,
        409,
        "incompatible",
        "BACKWARD");
    assertThat(call("GET", "/subjects/s/versions").bodyText()).isEqualTo("[1]");
  }

  @Test
  void testsCompatibility() {
    register("s", V1);

    JsonNode ok =
        json(
            call(
                "POST",
                "/compatibility/subjects/s/versions/latest",
                null,
                schemaBody(V2_WITH_DEFAULT)));
    assertThat(ok.get("is_compatible").asBoolean()).isTrue();
    assertThat(ok.has("messages")).isFalse();

    JsonNode bad =
        json(
            call(
                "POST",
                "/compatibility/subjects/s/versions/1",
                "verbose=true",
                schemaBody(V2_REQUIRED)));
    assertThat(bad.get("is_compatible").asBoolean()).isFalse();
    assertThat(bad.get("messages").get(0).asText()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");

    JsonNode all =
        json(call("POST", "/compatibility/subjects/s/versions", null, schemaBody(V2_REQUIRED)));
    assertThat(all.get("is_compatible").asBoolean()).isFalse();

    JsonNode missingSubject =
        json(call("POST", "/compatibility/subjects/nope/versions/latest", null, schemaBody(V1)));
    assertThat(missingSubject.get("is_compatible").asBoolean()).isTrue();
    assertError(
        call("POST", "/compatibility/subjects/nope/versions/1", null, schemaBody(V1)), 404, 40401);
    assertError(
        call("POST", "/compatibility/subjects/s/versions/7", null, schemaBody(V1)), 404, 40402);
    assertError(
        call("POST", "/compatibility/subjects/s/versions/x", null, schemaBody(V1)), 422, 42202);
    assertError(
        call("POST", "/compatibility/subjects/s/versions/latest", null, "{}"),
        422,
        42201,
        "schema is missing");
  }

  @Test
  void globalConfig() {
    assertThat(json(call("GET", "/config")).get("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");
    Response put = call("PUT", "/config", null, "{\"compatibility\":\"full\"}");
    assertThat(json(put).get("compatibility").asText()).isEqualTo("FULL");
    assertThat(json(call("GET", "/config")).get("compatibilityLevel").asText()).isEqualTo("FULL");

    assertError(call("PUT", "/config", null, "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
    assertError(call("PUT", "/config", null, "{}"), 422, 42203, "missing");
    assertError(call("PUT", "/config", null, "{\"compatibility\":3}"), 422, 42203);
    assertError(call("PUT", "/config", null, "nope"), 422, 42203, "not valid JSON");
    assertError(call("PUT", "/config", null, (String) null), 422, 42203, "empty");
    assertError(call("DELETE", "/config"), 405, 405);
  }

  @Test
  void subjectConfig() {
    assertError(call("GET", "/config/s"), 404, 40408, "s");
    assertThat(
            json(call("GET", "/config/s", "defaultToGlobal=true", (String) null))
                .get("compatibilityLevel")
                .asText())
        .isEqualTo("BACKWARD");

    Response put = call("PUT", "/config/s", null, "{\"compatibility\":\"NONE\"}");
    assertThat(json(put).get("compatibility").asText()).isEqualTo("NONE");
    assertThat(json(call("GET", "/config/s")).get("compatibilityLevel").asText()).isEqualTo("NONE");
    register("s", V1);
    register("s", V2_REQUIRED); // NONE lets an incompatible schema in

    assertThat(json(call("DELETE", "/config/s")).get("compatibilityLevel").asText())
        .isEqualTo("NONE");
    assertError(call("DELETE", "/config/s"), 404, 40408);
    assertError(call("PUT", "/config/s", null, "{\"compatibility\":\"x\"}"), 422, 42203);
    assertError(call("POST", "/config/s"), 405, 405);
    assertError(call("GET", "/config/s/x"), 404, 404);
  }

  @ParameterizedTest
  @CsvSource({
    "'{', not valid JSON",
    "'[]', must be a JSON object",
    "'{\"schema\": 5}', schema must be a string",
    "'{\"schema\": \"\"}', schema must not be empty",
    "'{\"schema\": \"{\\\"type\\\": \\\"nope\\\"}\"}', Invalid schema",
    "'{\"schema\": \"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"X\\\",\\\"fields\\\":[{\\\"name\\\":\\\"f\\\",\\\"type\\\":\\\"int\\\",\\\"default\\\":\\\"s\\\"}]}\"}', Invalid schema",
    "'{\"schema\": \"\\\"string\\\"\", \"schemaType\": \"PROTOBUF\"}', PROTOBUF is not supported",
    "'{\"schema\": \"\\\"string\\\"\", \"schemaType\": 1}', schemaType must be a string",
    "'{\"schema\": \"\\\"string\\\"\", \"references\": [{\"name\": \"x\"}]}', references are not supported",
    "'{\"schema\": \"\\\"string\\\"\", \"references\": 3}', references must be an array",
  })
  void rejectsBadSchemaRequests(String body, String message) {
    assertError(call("POST", "/subjects/s/versions", null, body), 422, 42201, message);
    assertThat(call("GET", "/subjects").bodyText()).isEqualTo("[]");
  }

  @Test
  void namesEveryProblemOfARequest() {
    assertError(
        call("POST", "/subjects/s/versions", null, "{\"schemaType\":\"JSON\",\"references\":[1]}"),
        422,
        42201,
        "JSON is not supported",
        "references are not supported",
        "schema is missing");
    assertError(call("POST", "/subjects/s/versions", null, (String) null), 422, 42201, "empty");
  }

  @Test
  void acceptsAvroTypeAndEmptyReferences() {
    Response r =
        call(
            "POST",
            "/subjects/s/versions",
            null,
            "{\"schema\":\"\\\"string\\\"\",\"schemaType\":\"AVRO\",\"references\":[]}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /nope",
    "GET, /subjects/s/other",
    "GET, /subjects/s/versions/1/other",
    "GET, /subjects/s/versions/1/schema/x",
    "GET, /schemas",
    "GET, /schemas/ids",
    "GET, /schemas/other/1",
    "GET, /schemas/ids/1/other",
    "POST, /compatibility",
    "POST, /compatibility/subjects/s",
    "POST, /compatibility/subjects/s/other/1",
    "POST, /compatibility/subjects/s/versions/1/x",
  })
  void unknownRoutesAre404(String method, String path) {
    assertError(call(method, path), 404, 404, "Not Found");
  }

  @ParameterizedTest
  @CsvSource({
    "POST, /subjects",
    "GET, /subjects/s",
    "DELETE, /subjects/s/versions",
    "PUT, /subjects/s/versions/1",
    "POST, /subjects/s/versions/1/schema",
    "POST, /schemas/ids/1",
    "PUT, /schemas/types",
    "GET, /compatibility/subjects/s/versions/latest",
    "POST, /config",
    "PATCH, /config/s",
    ",/subjects",
  })
  void wrongMethodsAre405(String method, String path) {
    assertError(call(method, path), 405, 405, "Method Not Allowed");
  }

  @Test
  void malformedQueryIs400() {
    assertError(call("GET", "/config/s", "defaultToGlobal=%zz", (String) null), 400, 400);
  }

  @Test
  void nullPathIsTheRoot() {
    assertThat(handler.handle("GET", null, null, null).status()).isEqualTo(200);
  }
}
