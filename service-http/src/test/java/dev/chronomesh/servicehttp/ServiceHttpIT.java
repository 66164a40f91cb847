package dev.chronomesh.servicehttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ServiceHttpIT {
  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> call(ServiceHttp http, String method, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesHealthReadinessMetricsAndTheServicesOwnPaths() throws Exception {
    AtomicBoolean ready = new AtomicBoolean();
    try (ServiceMetrics metrics = new ServiceMetrics();
        ServiceHttp http =
            ServiceHttp.start(
                "test",
                "127.0.0.1",
                0,
                ready::get,
                metrics::scrape,
                (exchange, path) -> {
                  if (!path.equals("/mine")) {
                    return false;
                  }
                  ServiceHttp.sendJson(exchange, 200, "{\"mine\":true}");
                  return true;
                })) {
      assertThat(call(http, "GET", "/healthz").statusCode()).isEqualTo(200);
      assertThat(call(http, "GET", "/readyz").statusCode()).isEqualTo(503);
      ready.set(true);
      assertThat(call(http, "GET", "/readyz").statusCode()).isEqualTo(200);
      HttpResponse<String> scrape = call(http, "GET", "/metrics");
      assertThat(scrape.body()).contains("jvm_memory_used_bytes");
      assertThat(scrape.headers().firstValue("Content-Type"))
          .hasValue(ServiceMetrics.PROMETHEUS_TEXT);
      assertThat(call(http, "GET", "/mine").body()).isEqualTo("{\"mine\":true}");
      HttpResponse<String> missing = call(http, "GET", "/nope%22x");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(call(http, "POST", "/healthz").statusCode()).isEqualTo(405);
      assertThat(call(http, "HEAD", "/healthz").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void quotesJsonStrings() {
    assertThat(ServiceHttp.quote("a\"b\\c\nd")).isEqualTo("\"a\\\"b\\\\c\\u000ad\"");
  }
}
