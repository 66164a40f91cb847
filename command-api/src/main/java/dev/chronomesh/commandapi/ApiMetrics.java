package dev.chronomesh.commandapi;

import dev.chronomesh.servicehttp.KafkaStreamsBinding;
import dev.chronomesh.servicehttp.ServiceMetrics;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The command API's Prometheus metrics at {@code /metrics}: HTTP requests timed by method, status
 * and route template ({@code http_server_requests_seconds}), the decider's Kafka Streams metrics,
 * and the JVM and process.
 */
final class ApiMetrics implements AutoCloseable {
  static final String PROMETHEUS_TEXT = ServiceMetrics.PROMETHEUS_TEXT;

  /** The route label of requests no endpoint matched, so unknown paths add no label values. */
  static final String UNMATCHED = "unmatched";

  private final ServiceMetrics service = new ServiceMetrics();
  private final PrometheusMeterRegistry registry = service.registry();
  private final KafkaStreamsBinding decider;

  /**
   * @param decider the decider's Kafka Streams, or null when this process runs none
   */
  ApiMetrics(KafkaStreams decider) {
    this.decider =
        decider == null ? null : new KafkaStreamsBinding(decider, registry, "command-api");
  }

  /** Javalin's request logger: called once per request with its final status. */
  void record(Context ctx, Float executionTimeMs) {
    String route;
    try {
      route = ctx.endpointHandlerPath();
    } catch (RuntimeException e) {
      route = null;
    }
    if (route == null || route.isBlank() || ctx.status().getCode() == 404) {
      route = UNMATCHED;
    }
    Timer.builder("http.server.requests")
        .description("HTTP requests served by the command API")
        .tag("method", ctx.method().name())
        .tag("status", Integer.toString(ctx.status().getCode()))
        .tag("route", route)
        .register(registry)
        .record(Duration.ofNanos((long) (executionTimeMs * 1_000_000L)));
  }

  /** GET /metrics: the Prometheus text exposition. */
  void serve(Context ctx) {
    ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape());
  }

  @Override
  public void close() {
    if (decider != null) {
      decider.close();
    }
    service.close();
  }
}
