package dev.chronomesh.commandapi;

import io.javalin.http.Context;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The command API's Prometheus metrics at {@code /metrics}: HTTP requests timed by method, status
 * and route template ({@code http_server_requests_seconds}), the decider's Kafka Streams metrics,
 * and the JVM and process.
 */
final class ApiMetrics implements AutoCloseable {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** The route label of requests no endpoint matched, so unknown paths add no label values. */
  static final String UNMATCHED = "unmatched";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final ScheduledExecutorService refresh;
  private final KafkaStreamsMetrics decider;

  /**
   * @param decider the decider's Kafka Streams, or null when this process runs none
   */
  ApiMetrics(KafkaStreams decider) {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    if (decider == null) {
      this.refresh = null;
      this.decider = null;
    } else {
      // Kafka Streams creates metrics as its threads come up: look for new ones every few seconds.
      this.refresh =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("command-api-metrics").daemon().factory());
      this.decider = new KafkaStreamsMetrics(decider, List.of(), refresh, Duration.ofSeconds(10));
      this.decider.bindTo(registry);
    }
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
      refresh.shutdownNow();
    }
    gc.close();
    registry.close();
  }
}
