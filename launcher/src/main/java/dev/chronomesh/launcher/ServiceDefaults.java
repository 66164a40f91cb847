package dev.chronomesh.launcher;

import java.time.Duration;

/** Defaults shared by {@code up} and {@code run}. */
final class ServiceDefaults {
  /** Largest request body the REST API accepts (Kuma resources are small). */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  /** How long a write may wait for Kafka before the caller gets 503/504. */
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(15);

  private ServiceDefaults() {}
}
