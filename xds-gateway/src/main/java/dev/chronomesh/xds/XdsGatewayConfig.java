package dev.chronomesh.xds;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settings of one xDS gateway: where its gRPC server listens and how it reads the proxy-configs
 * topic.
 *
 * @param host the address the gRPC server binds to (127.0.0.1 in the embedded mode and in tests)
 * @param port the gRPC port, 0 for a free one ({@link #DEFAULT_PORT} as Kuma's dp-server)
 * @param kafkaProperties Kafka client properties (bootstrap.servers and any TLS/SASL settings); the
 *     gateway sets its own deserializers, isolation level and offset handling
 * @param topics topic names
 * @param registry the schema registry that resolves the writer schemas of proxy configs
 * @param options authentication, HTTP listener, status publishing ({@link
 *     XdsGatewayOptions#DEFAULTS} when null)
 */
public record XdsGatewayConfig(
    String host,
    int port,
    Map<String, Object> kafkaProperties,
    Topics topics,
    SchemaRegistry registry,
    XdsGatewayOptions options) {
  public static final int DEFAULT_PORT = 5678;

  /** Settings with the default options. */
  public XdsGatewayConfig(
      String host,
      int port,
      Map<String, Object> kafkaProperties,
      Topics topics,
      SchemaRegistry registry) {
    this(host, port, kafkaProperties, topics, registry, XdsGatewayOptions.DEFAULTS);
  }

  /**
   * Checks every setting and reports all problems at once.
   *
   * @throws IllegalArgumentException naming each invalid setting
   */
  public XdsGatewayConfig {
    List<String> problems = new ArrayList<>();
    if (host == null || host.isBlank()) {
      problems.add("host: must not be blank");
    }
    if (port < 0 || port > 65535) {
      problems.add("port: must be between 0 and 65535, was " + port);
    }
    if (kafkaProperties == null) {
      problems.add("kafkaProperties: must not be null");
    } else {
      kafkaProperties.forEach(
          (k, v) -> {
            if (k == null || v == null) {
              problems.add("kafkaProperties." + k + ": null keys and values are not allowed");
            }
          });
      Object bootstrap = kafkaProperties.get("bootstrap.servers");
      if (bootstrap == null || bootstrap.toString().isBlank()) {
        problems.add("kafkaProperties.bootstrap.servers: required");
      }
    }
    if (topics == null) {
      problems.add("topics: must not be null");
    }
    if (registry == null) {
      problems.add("registry: must not be null");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid xds-gateway config: " + String.join("; ", problems));
    }
    kafkaProperties = Map.copyOf(kafkaProperties);
    if (options == null) {
      options = XdsGatewayOptions.DEFAULTS;
    }
  }
}
