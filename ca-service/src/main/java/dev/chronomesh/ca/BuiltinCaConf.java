package dev.chronomesh.ca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.meshmodel.MeshDuration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The conf of Kuma's builtin CA backend ({@code mtls.backends[].conf} of type {@code builtin}):
 * {@code caCert.RSAbits} (default 2048) and {@code caCert.expiration} (default 10 years, Kuma's
 * {@code DefaultCACertValidityPeriod}). The Mesh's validator has checked it on write.
 */
public record BuiltinCaConf(int rsaBits, Duration expiration) {
  public static final int DEFAULT_RSA_BITS = 2048;
  public static final Duration DEFAULT_EXPIRATION = Duration.ofDays(3650);
  public static final BuiltinCaConf DEFAULT =
      new BuiltinCaConf(DEFAULT_RSA_BITS, DEFAULT_EXPIRATION);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads a backend's stored conf JSON; null means every default. */
  public static BuiltinCaConf parse(String confJson) {
    if (confJson == null) {
      return DEFAULT;
    }
    JsonNode caCert;
    try {
      caCert = JSON.readTree(confJson).path("caCert");
    } catch (IOException e) {
      throw new UncheckedIOException("a builtin CA conf that is not JSON: " + confJson, e);
    }
    int bits = caCert.path("RSAbits").asInt(0);
    String expiration = caCert.path("expiration").asText("");
    return new BuiltinCaConf(
        bits == 0 ? DEFAULT_RSA_BITS : bits,
        expiration.isEmpty() ? DEFAULT_EXPIRATION : MeshDuration.parse(expiration));
  }
}
