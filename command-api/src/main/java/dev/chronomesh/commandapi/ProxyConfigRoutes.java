package dev.chronomesh.commandapi;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code GET /meshes/{mesh}/dataplanes/{name}/_config}: a proxy's current Envoy config as JSON,
 * asked of the projector that owns the mesh through a {@link Source} the launcher provides (the
 * in-process projector, or a projector service over HTTP). The command-api holds no config itself.
 */
public final class ProxyConfigRoutes {
  /** Where the answer comes from. */
  @FunctionalInterface
  public interface Source {
    /**
     * The config of dataplane {@code name} of {@code mesh}.
     *
     * @return 200 and the JSON, 404 when the proxy has no config, 503 while the projection is not
     *     queryable; other statuses are passed on
     */
    Answer config(String mesh, String name) throws Exception;
  }

  /** A status and a JSON body (a problem for statuses ≥ 400). */
  public record Answer(int status, String body) {
    public Answer {
      Objects.requireNonNull(body, "body");
    }
  }

  private ProxyConfigRoutes() {}

  /**
   * A source asking a projector service over HTTP ({@code base} is its address, e.g. {@code
   * http://127.0.0.1:5682}); that projector forwards to the instance owning the mesh.
   */
  public static Source http(URI base) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String prefix = base.toString().replaceAll("/+$", "");
    return (mesh, name) -> {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create(
                          prefix
                              + "/meshes/"
                              + URLEncoder.encode(mesh, StandardCharsets.UTF_8)
                              + "/dataplanes/"
                              + URLEncoder.encode(name, StandardCharsets.UTF_8)
                              + "/_config"))
                  .timeout(Duration.ofSeconds(15))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    };
  }

  /** Mounts the route; every request is authenticated like any other read. */
  public static void mount(Javalin app, Source source) {
    Objects.requireNonNull(source, "source");
    app.get("/meshes/{mesh}/dataplanes/{name}/_config", ctx -> answer(ctx, source));
  }

  private static void answer(Context ctx, Source source) throws Exception {
    String mesh = ctx.pathParam("mesh");
    String name = ctx.pathParam("name");
    Answer answer;
    try {
      answer = source.config(mesh, name);
    } catch (java.io.IOException e) {
      throw new ApiProblem(
          503,
          "the projector did not answer: " + e.getMessage(),
          List.of(),
          Map.of("Retry-After", "1"));
    }
    if (answer.status() == 404) {
      throw new ApiProblem(404, "no config for dataplane " + name + " in mesh " + mesh);
    }
    if (answer.status() == 503) {
      throw new ApiProblem(
          503, "the projection is not queryable yet", List.of(), Map.of("Retry-After", "1"));
    }
    if (answer.status() != 200) {
      throw new ApiProblem(502, "the projector answered " + answer.status());
    }
    ctx.status(200).contentType("application/json").result(answer.body());
  }
}
