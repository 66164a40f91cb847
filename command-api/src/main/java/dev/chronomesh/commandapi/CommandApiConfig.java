package dev.chronomesh.commandapi;

import dev.chronomesh.commandapi.auth.Authenticator;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.meshmodel.Sealer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the REST admin API.
 *
 * @param host the address to listen on (127.0.0.1 in the embedded mode)
 * @param port the port to listen on; 0 picks a free one ({@link CommandApiServer#port()})
 * @param kafkaProperties bootstrap.servers plus any client settings (TLS, SASL) passed to every
 *     Kafka client; the API adds its own producer and consumer settings on top
 * @param maxBodyBytes the largest request body accepted (413 beyond)
 * @param writeTimeout how long a write waits for Kafka (send, then the view catching up)
 * @param sealer seals secret values and private keys before they become commands
 * @param adminTokenFile where the admin token is written at first start; null: no admin token
 * @param authenticator null for token authentication (production); a fixed one in tests
 * @param xdsGateway where proxies reach the xDS gateway, the default of generated grpc-xds
 *     bootstraps; null when this API was not told (callers then name it)
 */
public record CommandApiConfig(
    String host,
    int port,
    Map<String, Object> kafkaProperties,
    Topics topics,
    SchemaRegistry registry,
    int maxBodyBytes,
    Duration writeTimeout,
    Sealer sealer,
    Path adminTokenFile,
    Authenticator authenticator,
    XdsGatewayEndpoint xdsGateway) {
  public static final int DEFAULT_PORT = 5681;
  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(10);

  public CommandApiConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(kafkaProperties, "kafkaProperties");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(writeTimeout, "writeTimeout");
    Objects.requireNonNull(sealer, "sealer");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535: " + port);
    }
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
    }
    if (writeTimeout.isNegative() || writeTimeout.isZero()) {
      throw new IllegalArgumentException("writeTimeout must be positive: " + writeTimeout);
    }
    if (!kafkaProperties.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException("kafkaProperties needs bootstrap.servers");
    }
    kafkaProperties = Map.copyOf(kafkaProperties);
  }
}
