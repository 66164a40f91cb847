package dev.chronomesh.xds;

import dev.chronomesh.ca.WorkloadCertificates;
import java.time.Duration;
import java.time.Instant;

/**
 * When the gateway asks for a sidecar's next certificate. Pure: the caller gives the time.
 *
 * <p>After a certificate is signed: at 4/5 of its lifetime ({@link WorkloadCertificates#renewAt},
 * Kuma's rule), or 1 s after signing when that moment is sooner. After a failure (the CA service
 * unreachable, the mesh's CA not created yet): after 1 s, doubling per consecutive failure up to 30
 * s, so a CA that comes back is used within 30 s and a CA that is down is not hammered by every
 * proxy.
 */
final class RenewalSchedule {
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);

  private RenewalSchedule() {}

  /**
   * How long from {@code now} until a certificate valid from {@code notBefore} is renewed; at least
   * {@link #FIRST_RETRY}, so that a lifetime shorter than the CA's backdating of {@code notBefore}
   * cannot make the gateway sign in a loop.
   */
  static Duration untilRenewal(Instant now, Instant notBefore, Instant notAfter) {
    Duration d = Duration.between(now, WorkloadCertificates.renewAt(notBefore, notAfter));
    return d.compareTo(FIRST_RETRY) < 0 ? FIRST_RETRY : d;
  }

  /** How long to wait after the {@code failures}-th consecutive failure (1 for the first). */
  static Duration retryAfter(int failures) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures starts at 1: " + failures);
    }
    int doublings = Math.min(failures - 1, 5);
    Duration d = FIRST_RETRY.multipliedBy(1L << doublings);
    return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
  }
}
