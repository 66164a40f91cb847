package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A real HTTP client for the command-api's tests: one request, the whole answer. */
final class ApiHttp {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private ApiHttp() {}

  /** An answer of the API. */
  record Response(int status, String body, HttpHeaders headers) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    String contentType() {
      return headers.firstValue("Content-Type").orElse("");
    }
  }

  /** Sends {@code method path} to {@code server} with an optional body of {@code type}. */
  static Response send(
      CommandApiServer server,
      String method,
      String path,
      String type,
      String body,
      Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (type != null) {
      b.header("Content-Type", type);
    }
    headers.forEach(b::header);
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.body(), r.headers());
  }
}
