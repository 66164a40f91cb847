package dev.chronomesh.launcher.agent;

import java.time.Duration;
import java.time.Instant;

/** When a workload certificate is renewed: at 4/5 of its lifetime, as Kuma's dataplanes do. */
public final class Renewal {
  private Renewal() {}

  /** The instant 4/5 of the way from {@code notBefore} to {@code notAfter}. */
  public static Instant at(Instant notBefore, Instant notAfter) {
    Duration lifetime = Duration.between(notBefore, notAfter);
    return notBefore.plus(lifetime.multipliedBy(4).dividedBy(5));
  }
}
