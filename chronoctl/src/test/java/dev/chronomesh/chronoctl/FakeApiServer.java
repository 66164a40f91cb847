package dev.chronomesh.chronoctl;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server on a free loopback port that records every request and answers canned
 * responses keyed by "METHOD /path?query" (or "METHOD /path"); unknown requests get a 404 problem.
 */
final class FakeApiServer implements AutoCloseable {
  record Request(String method, String target, Map<String, List<String>> headers, String body) {
    String header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  record Answer(int status, String contentType, String body, Map<String, String> headers) {
    static Answer json(int status, String body) {
      return new Answer(status, "application/json", body, Map.of());
    }

    static Answer problem(int status, String body) {
      return new Answer(status, "application/problem+json", body, Map.of());
    }

    static Answer text(int status, String body) {
      return new Answer(status, "text/plain", body, Map.of());
    }
  }

  static final String RESOURCES =
      """
      {"resources": [
        {"name": "Mesh", "scope": "Global", "path": "meshes", "singularDisplayName": "Mesh",
         "pluralDisplayName": "Meshes", "cliNames": ["mesh", "meshes"]},
        {"name": "Dataplane", "scope": "Mesh", "path": "dataplanes",
         "singularDisplayName": "Data Plane", "pluralDisplayName": "Data Planes",
         "cliNames": ["dataplane", "dataplanes", "dp"]},
        {"name": "Secret", "scope": "Mesh", "path": "secrets", "cliNames": ["secret", "secrets"]}
      ]}
      """;

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  FakeApiServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    answers.put("GET /_resources", Answer.json(200, RESOURCES));
    server.createContext(
        "/",
        exchange -> {
          String target = exchange.getRequestURI().getRawPath();
          String query = exchange.getRequestURI().getRawQuery();
          String full = query == null ? target : target + "?" + query;
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String method = exchange.getRequestMethod();
          requests.add(new Request(method, full, Map.copyOf(exchange.getRequestHeaders()), body));
          Answer answer = answers.get(method + " " + full);
          if (answer == null) {
            answer = answers.get(method + " " + target);
          }
          if (answer == null) {
            answer =
                Answer.problem(
                    404,
                    "{\"type\":\"/std-errors\",\"title\":\"Not Found\",\"status\":404,"
                        + "\"detail\":\"no canned answer for "
                        + method
                        + " "
                        + full
                        + "\"}");
          }
          byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", answer.contentType());
          answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
          exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
          if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
          }
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void answer(String methodAndTarget, Answer answer) {
    answers.put(methodAndTarget, answer);
  }

  void forget(String methodAndTarget) {
    answers.remove(methodAndTarget);
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests other than the GET /_resources lookups. */
  List<Request> calls() {
    return requests.stream().filter(r -> !r.target().equals("/_resources")).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
