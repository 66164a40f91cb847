package dev.chronomesh.xds;

import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's optional behaviours, each with a default that keeps a plain loopback gateway
 * working. Withers return a copy with one setting changed.
 *
 * @param requireDataplaneTokens refuse ADS streams without a valid dataplane token for their node
 * @param httpPort the HTTP listener for /healthz, /readyz and /metrics: null for none, 0 for a free
 *     port
 * @param publishStatus write connect, disconnect, ACK and NACK events to the proxy-status topic
 * @param instanceId this gateway's name in proxy status (null: {@code <host>:<grpc port>})
 */
public record XdsGatewayOptions(
    boolean requireDataplaneTokens, Integer httpPort, boolean publishStatus, String instanceId) {

  /** No token check, no HTTP listener, status published, instance named by its address. */
  public static final XdsGatewayOptions DEFAULTS = new XdsGatewayOptions(false, null, true, null);

  /**
   * @throws IllegalArgumentException naming each invalid setting
   */
  public XdsGatewayOptions {
    List<String> problems = new ArrayList<>();
    if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
      problems.add("httpPort: must be between 0 and 65535, was " + httpPort);
    }
    if (instanceId != null && instanceId.isBlank()) {
      problems.add("instanceId: must not be blank when given");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid xds-gateway options: " + String.join("; ", problems));
    }
  }

  public XdsGatewayOptions withRequireDataplaneTokens(boolean value) {
    return new XdsGatewayOptions(value, httpPort, publishStatus, instanceId);
  }

  public XdsGatewayOptions withHttpPort(Integer value) {
    return new XdsGatewayOptions(requireDataplaneTokens, value, publishStatus, instanceId);
  }

  public XdsGatewayOptions withPublishStatus(boolean value) {
    return new XdsGatewayOptions(requireDataplaneTokens, httpPort, value, instanceId);
  }

  public XdsGatewayOptions withInstanceId(String value) {
    return new XdsGatewayOptions(requireDataplaneTokens, httpPort, publishStatus, value);
  }
}
