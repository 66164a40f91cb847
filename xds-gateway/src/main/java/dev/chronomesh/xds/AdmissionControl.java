package dev.chronomesh.xds;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits new ADS streams at a bounded rate (a token bucket: {@code perSecond} refilled
 * continuously, up to {@code burst} at once), so a reconnect storm degrades into a queue of
 * retrying clients instead of a gateway that builds thousands of watches at once. A refused stream
 * is closed at once with UNAVAILABLE, which Envoy and gRPC clients retry with backoff. Streams
 * already admitted, and other services (health), are not affected.
 */
final class AdmissionControl implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionControl.class);
  private static final String ADS_SERVICE = "envoy.service.discovery.v3.AggregatedDiscoveryService";

  private final double perNano;
  private final double burst;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;
  private long refused;

  /**
   * @param perSecond new streams admitted per second on average (positive)
   * @param burst how many may be admitted at once after a quiet period (at least 1)
   * @param nanoTime the clock ({@code System::nanoTime}; a fake one in tests)
   */
  AdmissionControl(double perSecond, int burst, LongSupplier nanoTime) {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException(
          "admission control needs a positive rate and a burst of at least 1, got "
              + perSecond
              + "/s and "
              + burst);
    }
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.tokens = burst;
    this.last = nanoTime.getAsLong();
  }

  /** Takes one token if there is one. */
  synchronized boolean tryAdmit() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(burst, tokens + (now - last) * perNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    refused++;
    return false;
  }

  /** How many streams were refused so far. */
  synchronized long refused() {
    return refused;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!ADS_SERVICE.equals(call.getMethodDescriptor().getServiceName()) || tryAdmit()) {
      return next.startCall(call, headers);
    }
    LOG.debug("Refused a new stream method={}", call.getMethodDescriptor().getFullMethodName());
    call.close(
        Status.UNAVAILABLE.withDescription(
            "the gateway admits new streams at a bounded rate; retry with backoff"),
        new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
