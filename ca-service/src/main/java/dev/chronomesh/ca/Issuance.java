package dev.chronomesh.ca;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/** Whether a dataplane may have a workload certificate now, and with what. */
public sealed interface Issuance {

  /** The mesh or the dataplane does not exist. */
  record NotFound(String reason) implements Issuance {}

  /** Both exist, but no certificate can be issued yet (no mTLS, no CA yet, no identity). */
  record NotReady(String reason) implements Issuance {}

  /**
   * Issue with {@code ca} for {@code uris}, valid for {@code lifetime}; peers are verified with
   * {@code trusted} (the enabled CA first, then every other backend's CA that exists).
   */
  record Ready(CaKeyPair ca, List<X509Certificate> trusted, List<String> uris, Duration lifetime)
      implements Issuance {
    public Ready {
      trusted = List.copyOf(trusted);
      uris = List.copyOf(uris);
    }
  }
}
