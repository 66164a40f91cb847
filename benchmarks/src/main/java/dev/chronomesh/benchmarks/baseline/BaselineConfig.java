package dev.chronomesh.benchmarks.baseline;

import dev.chronomesh.events.registry.SchemaRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settings of a {@link BaselineControlPlane}.
 *
 * @param host the address the plaintext ADS server binds; must be a loopback address
 * @param port the ADS port, 0 for a free one
 * @param kafkaProperties Kafka client settings; must hold {@code bootstrap.servers}
 * @param eventsTopic the events topic (Chronomesh's default: {@code chronomesh.events})
 * @param registry the schema registry the events' Avro schemas are read from (the caller owns it)
 * @param httpPort the port of {@code /healthz}, {@code /readyz} and {@code /metrics} on {@code
 *     host}, 0 for a free one, null for no HTTP listener
 */
public record BaselineConfig(
    String host,
    int port,
    Map<String, Object> kafkaProperties,
    String eventsTopic,
    SchemaRegistry registry,
    Integer httpPort) {

  /**
   * @throws IllegalArgumentException naming every invalid setting
   */
  public BaselineConfig {
    List<String> problems = new ArrayList<>();
    if (host == null || host.isBlank()) {
      problems.add("host: must not be blank");
    } else if (!isLoopback(host)) {
      problems.add("host: the baseline serves plaintext, so only on loopback, not " + host);
    }
    if (port < 0 || port > 65535) {
      problems.add("port: must be 0..65535 but is " + port);
    }
    if (kafkaProperties == null || kafkaProperties.get("bootstrap.servers") == null) {
      problems.add("kafkaProperties: must contain bootstrap.servers");
    }
    if (eventsTopic == null || eventsTopic.isBlank()) {
      problems.add("eventsTopic: must not be blank");
    }
    if (registry == null) {
      problems.add("registry: must not be null");
    }
    if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
      problems.add("httpPort: must be 0..65535 but is " + httpPort);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid baseline settings: " + String.join("; ", problems));
    }
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /** Settings without an HTTP listener. */
  public BaselineConfig(
      String host,
      int port,
      Map<String, Object> kafkaProperties,
      String eventsTopic,
      SchemaRegistry registry) {
    this(host, port, kafkaProperties, eventsTopic, registry, null);
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
