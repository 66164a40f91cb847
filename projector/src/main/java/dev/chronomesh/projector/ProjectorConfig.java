package dev.chronomesh.projector;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of a {@link Projector}.
 *
 * @param kafkaProperties {@code bootstrap.servers} plus any client settings passed through to Kafka
 *     Streams (TLS, SASL, ...); the projector sets application.id, processing.guarantee, state.dir
 *     and its serdes and error handlers itself, overriding entries of the same name
 * @param topics names of the events and proxy-configs topics
 * @param registry the schema registry of the Avro serdes
 * @param applicationId Kafka Streams application id (consumer group, internal topic prefix);
 *     usually {@link #DEFAULT_APPLICATION_ID}
 * @param stateDir where RocksDB stores live; keep it across restarts to avoid a full restore
 * @param coalesceWindow proxies dirtied by the events of one window of event time are regenerated
 *     once; between 1 ms and 10 s
 * @param catchUpLag events that happened longer ago than this (a replay, a restart after downtime,
 *     a backlog) are projected in catch-up batches instead of windows: the final configs are the
 *     same, the intermediate versions are skipped and causes are summarized, so output is no longer
 *     byte-identical to a live run's; between 1 s and 1 h, or zero (the default) for never
 */
public record ProjectorConfig(
    Map<String, Object> kafkaProperties,
    Topics topics,
    SchemaRegistry registry,
    String applicationId,
    Path stateDir,
    Duration coalesceWindow,
    Duration catchUpLag) {
  public static final String DEFAULT_APPLICATION_ID = "chronomesh-projector";

  /** The default coalescing window: short enough not to be felt, long enough to batch a burst. */
  public static final Duration DEFAULT_COALESCE_WINDOW = Duration.ofMillis(25);

  /**
   * Catch-up batches are off by default: a rebuild then emits byte-identical output (DESIGN
   * principle 1), every intermediate version included.
   */
  public static final Duration DEFAULT_CATCH_UP_LAG = Duration.ZERO;

  /** Settings with the default coalescing window and catch-up lag. */
  public ProjectorConfig(
      Map<String, Object> kafkaProperties,
      Topics topics,
      SchemaRegistry registry,
      String applicationId,
      Path stateDir) {
    this(
        kafkaProperties,
        topics,
        registry,
        applicationId,
        stateDir,
        DEFAULT_COALESCE_WINDOW,
        DEFAULT_CATCH_UP_LAG);
  }

  /**
   * @throws IllegalArgumentException naming every missing or invalid setting
   */
  public ProjectorConfig {
    List<String> problems = new ArrayList<>();
    if (kafkaProperties == null) {
      problems.add("kafkaProperties: missing");
    } else {
      Object bootstrap = kafkaProperties.get("bootstrap.servers");
      if (bootstrap == null || bootstrap.toString().isBlank()) {
        problems.add("kafkaProperties.bootstrap.servers: missing");
      }
      kafkaProperties.forEach(
          (k, v) -> {
            if (v == null) {
              problems.add("kafkaProperties." + k + ": null value");
            }
          });
    }
    if (topics == null) {
      problems.add("topics: missing");
    }
    if (registry == null) {
      problems.add("registry: missing");
    }
    if (applicationId == null || applicationId.isBlank()) {
      problems.add("applicationId: missing");
    }
    if (stateDir == null) {
      problems.add("stateDir: missing");
    }
    if (coalesceWindow == null) {
      problems.add("coalesceWindow: missing");
    } else if (coalesceWindow.compareTo(Duration.ofMillis(1)) < 0
        || coalesceWindow.compareTo(Duration.ofSeconds(10)) > 0) {
      problems.add("coalesceWindow: must be between 1ms and 10s, got " + coalesceWindow);
    }
    if (catchUpLag == null) {
      problems.add("catchUpLag: missing");
    } else if (!catchUpLag.isZero()
        && (catchUpLag.compareTo(Duration.ofSeconds(1)) < 0
            || catchUpLag.compareTo(Duration.ofHours(1)) > 0)) {
      problems.add("catchUpLag: must be zero or between 1s and 1h, got " + catchUpLag);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid projector config: " + String.join("; ", problems));
    }
    kafkaProperties = Collections.unmodifiableMap(new LinkedHashMap<>(kafkaProperties));
  }

  /** A copy with another catch-up lag (zero: never catch up in batches). */
  public ProjectorConfig withCatchUpLag(Duration lag) {
    return new ProjectorConfig(
        kafkaProperties, topics, registry, applicationId, stateDir, coalesceWindow, lag);
  }
}
