package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The REST client: JSON requests with the bearer token, answers as JSON; any status of 400 or more
 * becomes a {@link CliFailure} carrying the server's problem+json (exit 1 for 4xx, 3 for 5xx), and
 * an unreachable server exit 3.
 */
final class ApiClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  // Longer than the server's write timeout (10 s), which answers 504 itself.
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final String server;
  private final String token;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  /** One answer: its status, body and, when the body is JSON, the parsed body. */
  record Response(int status, String body, JsonNode json, Optional<String> location) {}

  ApiClient(String server, String token) {
    this.server = stripTrailingSlash(Objects.requireNonNull(server, "server"));
    this.token = token;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  String server() {
    return server;
  }

  ObjectMapper json() {
    return json;
  }

  /** One path segment, percent-encoded. */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends a request and returns the answer whatever its status (unreachable → exit 3). */
  Response exchange(String method, String pathOrUrl, JsonNode body) {
    URI uri = resolve(pathOrUrl);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw CliFailure.unavailable(
          "the server at "
              + server
              + " did not answer "
              + method
              + " "
              + uri.getPath()
              + " in time");
    } catch (IOException e) {
      throw CliFailure.unavailable("cannot reach the server at " + server + ": " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.unavailable("interrupted while waiting for " + server);
    }
    JsonNode parsed = null;
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    if (contentType.contains("json") && !response.body().isEmpty()) {
      try {
        parsed = json.readTree(response.body());
      } catch (IOException e) {
        parsed = null;
      }
    }
    return new Response(
        response.statusCode(), response.body(), parsed, response.headers().firstValue("Location"));
  }

  /** Sends a request; a status of 400 or more becomes a {@link CliFailure}. */
  Response send(String method, String pathOrUrl, JsonNode body) {
    Response response = exchange(method, pathOrUrl, body);
    if (response.status() >= 400) {
      throw failure(response);
    }
    return response;
  }

  /** A GET whose answer must be JSON. */
  JsonNode getJson(String pathOrUrl) {
    Response response = send("GET", pathOrUrl, null);
    if (response.json() == null) {
      throw CliFailure.unavailable(
          "the server answered GET " + pathOrUrl + " with something that is not JSON");
    }
    return response.json();
  }

  /** The user-facing failure for an error answer: problem+json rendered as kumactl does. */
  CliFailure failure(Response response) {
    int exit = response.status() >= 500 ? Chronoctl.EXIT_UNAVAILABLE : Chronoctl.EXIT_REFUSED;
    List<String> lines = new ArrayList<>();
    JsonNode problem = response.json();
    if (problem != null && problem.isObject() && problem.has("title")) {
      String title = problem.path("title").asText();
      String detail = problem.path("detail").asText("");
      lines.add("Error: " + title + (detail.isEmpty() ? "" : ": " + detail));
      for (JsonNode p : problem.path("invalid_parameters")) {
        lines.add("  " + p.path("field").asText() + ": " + p.path("reason").asText());
      }
    } else {
      String body = response.body().strip();
      if (body.length() > 300) {
        body = body.substring(0, 300) + "…";
      }
      lines.add("Error: HTTP " + response.status() + (body.isEmpty() ? "" : ": " + body));
    }
    if (response.status() == 504 && response.location().isPresent()) {
      lines.add("  the outcome is not known yet; ask for it with GET " + response.location().get());
    }
    return new CliFailure(exit, lines);
  }

  private URI resolve(String pathOrUrl) {
    if (pathOrUrl.startsWith("http://") || pathOrUrl.startsWith("https://")) {
      return URI.create(pathOrUrl);
    }
    return URI.create(server + pathOrUrl);
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      Throwable cause = e.getCause();
      message = cause != null && cause.getMessage() != null ? cause.getMessage() : "";
    }
    if (e instanceof java.net.ConnectException && message.isBlank()) {
      return "connection refused (is the server running?)";
    }
    String kind = e.getClass().getSimpleName();
    return message.isBlank() ? kind : kind + ": " + message;
  }

  private static String stripTrailingSlash(String url) {
    String s = url;
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
