package dev.chronomesh.commandapi;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;

/**
 * The loop of this module's background consumers: poll until stopped; a failing poll is logged and
 * retried after a second, so a broker that is away for a while does not end the reader.
 */
final class PollLoop {
  private PollLoop() {}

  /**
   * Calls {@code pollOnce} while {@code running} holds; returns when it no longer does or when
   * {@code stopped} is counted down during a retry pause.
   *
   * @param what the reader's name in log lines
   */
  static void run(
      Logger log, String what, BooleanSupplier running, CountDownLatch stopped, Runnable pollOnce) {
    while (running.getAsBoolean()) {
      try {
        pollOnce.run();
      } catch (WakeupException e) {
        if (running.getAsBoolean()) {
          throw e;
        }
      } catch (RuntimeException e) {
        log.error("{} failed to poll; retrying in 1s", what, e);
        try {
          if (stopped.await(1, TimeUnit.SECONDS)) {
            return;
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
