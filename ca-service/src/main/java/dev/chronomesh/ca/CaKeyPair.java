package dev.chronomesh.ca;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A CA: its certificate (public) and its private key (held in memory only). */
public record CaKeyPair(X509Certificate certificate, PrivateKey privateKey) {
  @Override
  public String toString() {
    return "CaKeyPair[" + certificate.getSubjectX500Principal() + "]";
  }
}
