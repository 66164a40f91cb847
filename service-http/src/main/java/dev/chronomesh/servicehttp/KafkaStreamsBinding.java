package dev.chronomesh.servicehttp;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A Kafka Streams application's metrics in a registry. Kafka Streams creates metrics as its threads
 * and tasks come up, so new ones are looked for every 10 s (Micrometer's default is a minute).
 */
public final class KafkaStreamsBinding implements AutoCloseable {
  private static final Duration REFRESH = Duration.ofSeconds(10);

  private final ScheduledExecutorService refresh;
  private final KafkaStreamsMetrics metrics;

  public KafkaStreamsBinding(KafkaStreams streams, MeterRegistry registry, String name) {
    this.refresh =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name(name + "-metrics").daemon().factory());
    this.metrics = new KafkaStreamsMetrics(streams, List.of(), refresh, REFRESH);
    metrics.bindTo(registry);
  }

  @Override
  public void close() {
    metrics.close();
    refresh.shutdownNow();
  }
}
