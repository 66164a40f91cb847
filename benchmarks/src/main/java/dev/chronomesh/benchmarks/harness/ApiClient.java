package dev.chronomesh.benchmarks.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The admin API as the harness uses it: YAML PUTs (optionally with If-Match) and DELETEs. */
final class ApiClient {
  private final String baseUrl;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  ApiClient(String baseUrl, String token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  /** PUT a YAML resource; {@code ifMatch} null sends no precondition. */
  HttpResponse<String> put(String path, String yaml, String ifMatch) {
    HttpRequest.Builder b =
        request(path)
            .header("Content-Type", "application/yaml")
            .PUT(HttpRequest.BodyPublishers.ofString(yaml));
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    return send(b.build());
  }

  HttpResponse<String> delete(String path) {
    return send(request(path).DELETE().build());
  }

  HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  /** A PUT that must be accepted (200 or 201). */
  void putOk(String path, String yaml) {
    HttpResponse<String> r = put(path, yaml, null);
    if (r.statusCode() != 200 && r.statusCode() != 201) {
      throw new IllegalStateException(
          "PUT " + path + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  /** A DELETE that must be accepted (200 or 204). */
  void deleteOk(String path) {
    HttpResponse<String> r = delete(path);
    if (r.statusCode() != 200 && r.statusCode() != 204) {
      throw new IllegalStateException(
          "DELETE " + path + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
