package dev.chronomesh.commandapi.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.PolicyType;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class OpenApiRouteTest {
  private static final Set<String> OPERATIONS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  @Test
  void theDescriptionIsOpenApi31WithAnOperationOnEveryPath() {
    JsonNode doc = OpenApiRoute.parse();

    assertThat(doc.path("openapi").asText()).startsWith("3.1.");
    assertThat(
            doc.path("components").path("securitySchemes").path("bearer").path("scheme").asText())
        .isEqualTo("bearer");
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, JsonNode> item : doc.path("paths").properties()) {
      List<String> ops = new ArrayList<>();
      item.getValue()
          .fieldNames()
          .forEachRemaining(
              f -> {
                if (OPERATIONS.contains(f)) {
                  ops.add(f);
                }
              });
      if (ops.isEmpty()) {
        problems.add(item.getKey() + ": no operation");
      }
      for (String op : ops) {
        JsonNode operation = item.getValue().get(op);
        if (!operation.path("responses").isObject() || operation.path("responses").isEmpty()) {
          problems.add(item.getKey() + " " + op + ": no responses");
        }
        if (operation.path("operationId").asText().isEmpty()) {
          problems.add(item.getKey() + " " + op + ": no operationId");
        }
        Set<String> declared = new HashSet<>();
        collectPathParams(doc, item.getValue().path("parameters"), declared);
        collectPathParams(doc, operation.path("parameters"), declared);
        Matcher m = Pattern.compile("\\{([^}]+)}").matcher(item.getKey());
        Set<String> templated = new HashSet<>();
        while (m.find()) {
          templated.add(m.group(1));
        }
        if (!templated.equals(declared)) {
          problems.add(
              item.getKey() + " " + op + ": path parameters " + declared + " != " + templated);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyReferenceResolves() {
    JsonNode doc = OpenApiRoute.parse();
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);

    assertThat(refs).isNotEmpty();
    assertThat(refs)
        .allSatisfy(
            ref -> {
              assertThat(ref).startsWith("#/");
              assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
            });
  }

  @Test
  void describesTheKumaResourcesAndProblemShapes() {
    JsonNode schemas = OpenApiRoute.parse().path("components").path("schemas");

    assertThat(
            schemas.path("Mesh").path("properties").path("mtls").path("properties").has("backends"))
        .isTrue();
    assertThat(schemas.path("Dataplane").path("required").toString()).contains("networking");
    assertThat(schemas.path("Secret").path("properties").has("data")).isTrue();
    assertThat(schemas.path("ListPage").path("required").toString())
        .contains("total", "items", "next");
    assertThat(schemas.path("Problem").path("properties").has("invalid_parameters")).isTrue();
    JsonNode headers = OpenApiRoute.parse().path("components");
    assertThat(headers.path("headers").has("ETag")).isTrue();
    assertThat(headers.path("headers").has("Retry-After")).isTrue();
    assertThat(headers.path("parameters").path("ifMatch").path("name").asText())
        .isEqualTo("If-Match");
    assertThat(headers.path("parameters").path("ifNoneMatch").path("name").asText())
        .isEqualTo("If-None-Match");
    assertThat(headers.path("parameters").path("idempotencyKey").path("name").asText())
        .isEqualTo("Idempotency-Key");
  }

  @Test
  void describedRoutesAreTheRoutesOfDocsApiMd() {
    List<String> policyRoutes = new ArrayList<>();
    for (String plural : Policies.all().stream().map(PolicyType::plural).toList()) {
      String item = "/meshes/{mesh}/" + plural + "/{name}";
      policyRoutes.addAll(
          List.of(
              "GET /meshes/{mesh}/" + plural,
              "GET " + item,
              "PUT " + item,
              "DELETE " + item,
              "GET " + item + "/_resources/dataplanes",
              "GET /" + plural));
    }
    assertThat(OpenApiRoute.describedRoutes())
        .containsAll(policyRoutes)
        .hasSize(53 + policyRoutes.size())
        .contains(
            "GET /_resources",
            "GET /meshes",
            "GET /meshes/{name}",
            "PUT /meshes/{name}",
            "DELETE /meshes/{name}",
            "GET /meshes/{mesh}/dataplanes",
            "GET /meshes/{mesh}/dataplanes/{name}",
            "PUT /meshes/{mesh}/dataplanes/{name}",
            "DELETE /meshes/{mesh}/dataplanes/{name}",
            "GET /meshes/{mesh}/dataplanes/{name}/_config",
            "GET /meshes/{mesh}/dataplanes/{name}/_overview",
            "GET /meshes/{mesh}/dataplanes/{name}/_grpc-bootstrap",
            "GET /meshes/{mesh}/ca",
            "GET /dataplanes",
            "GET /meshes/{mesh}/meshgateways",
            "GET /meshes/{mesh}/meshgateways/{name}",
            "PUT /meshes/{mesh}/meshgateways/{name}",
            "DELETE /meshes/{mesh}/meshgateways/{name}",
            "GET /meshgateways",
            "GET /meshes/{mesh}/secrets",
            "GET /meshes/{mesh}/secrets/{name}",
            "PUT /meshes/{mesh}/secrets/{name}",
            "DELETE /meshes/{mesh}/secrets/{name}",
            "GET /secrets",
            "GET /meshes/{mesh}/meshservices",
            "GET /meshes/{mesh}/meshservices/{name}",
            "PUT /meshes/{mesh}/meshservices/{name}",
            "DELETE /meshes/{mesh}/meshservices/{name}",
            "GET /meshservices",
            "GET /meshes/{mesh}/meshtrusts",
            "GET /meshes/{mesh}/meshtrusts/{name}",
            "PUT /meshes/{mesh}/meshtrusts/{name}",
            "DELETE /meshes/{mesh}/meshtrusts/{name}",
            "GET /meshtrusts",
            "GET /meshes/{mesh}/meshidentities",
            "GET /meshes/{mesh}/meshidentities/{name}",
            "PUT /meshes/{mesh}/meshidentities/{name}",
            "DELETE /meshes/{mesh}/meshidentities/{name}",
            "GET /meshidentities",
            "GET /events",
            "GET /commands/{requestId}",
            "POST /tokens/user",
            "POST /tokens/dataplane",
            "POST /tokens/revocations",
            "GET /tokens/revocations",
            "GET /healthz",
            "GET /readyz",
            "GET /metrics",
            "GET /openapi.yaml",
            "GET /schema-registry/*",
            "POST /schema-registry/*",
            "PUT /schema-registry/*",
            "DELETE /schema-registry/*");
  }

  @Test
  void everyRegisteredPolicyTypeIsDescribedFromItsRegistration() {
    JsonNode doc = OpenApiRoute.parse();
    for (PolicyType<?> type : Policies.all()) {
      String plural = type.plural();
      assertThat(OpenApiRoute.describedRoutes())
          .contains(
              "GET /meshes/{mesh}/" + plural,
              "PUT /meshes/{mesh}/" + plural + "/{name}",
              "DELETE /meshes/{mesh}/" + plural + "/{name}",
              "GET /meshes/{mesh}/" + plural + "/{name}/_resources/dataplanes",
              "GET /" + plural);
      JsonNode spec = doc.path("components").path("schemas").path(type.name() + "Spec");
      assertThat(spec.path("properties").has("targetRef")).as(type.name()).isTrue();
      assertThat(doc.path("components").path("schemas").path(type.name()).path("properties"))
          .as(type.name())
          .isNotEmpty();
    }
    assertThat(doc.has(OpenApiRoute.POLICY_PATHS)).isFalse();
  }

  @Test
  void servesTheDescriptionAsYaml() throws Exception {
    Javalin app = Javalin.create(cfg -> cfg.showJavalinBanner = false);
    OpenApiRoute.install(app);
    app.start("127.0.0.1", 0);
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + app.port() + OpenApiRoute.PATH))
                      .build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/yaml");
      assertThat(response.body())
          .isEqualTo(new String(OpenApiRoute.document(), StandardCharsets.UTF_8));
    } finally {
      app.stop();
    }
  }

  private static void collectPathParams(JsonNode doc, JsonNode parameters, Set<String> out) {
    for (JsonNode p : parameters) {
      JsonNode resolved = p.has("$ref") ? doc.at(p.get("$ref").asText().substring(1)) : p;
      if ("path".equals(resolved.path("in").asText())) {
        out.add(resolved.path("name").asText());
      }
    }
  }

  private static void collectRefs(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
                  out.add(e.getValue().asText());
                } else {
                  collectRefs(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, out));
    }
  }
}
