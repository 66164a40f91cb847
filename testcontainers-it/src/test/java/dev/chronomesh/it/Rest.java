package dev.chronomesh.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny REST client for the admin API in tests. */
record Rest(String baseUrl, String token, HttpClient http) {
  /** A client that sends {@code Authorization: Bearer <token>} (null: no header). */
  Rest(String baseUrl, String token) {
    this(baseUrl, token, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
  }

  HttpResponse<String> put(String path, String contentType, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Content-Type", contentType)
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  HttpResponse<String> putYaml(String path, String yaml) {
    return put(path, "application/yaml", yaml);
  }

  HttpResponse<String> post(String path, String json) {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build());
  }

  HttpResponse<String> delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).DELETE().build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(request, (k, v) -> true).timeout(Duration.ofSeconds(30));
      if (token != null) {
        builder.header("Authorization", "Bearer " + token);
      }
      return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
