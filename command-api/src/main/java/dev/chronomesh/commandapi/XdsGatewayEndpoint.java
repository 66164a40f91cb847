package dev.chronomesh.commandapi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where proxies reach the xDS gateway, as the process that started it knows (what {@code up} tells
 * the API), so that generated grpc-xds bootstraps need no more input than the workload's own files.
 *
 * @param address host:port of the gateway's xDS port
 * @param caFile the PEM that verifies the gateway's TLS certificate (the control-plane CA), a path
 *     valid on the workloads of this machine; null when the gateway serves plaintext
 */
public record XdsGatewayEndpoint(String address, Path caFile) {
  public XdsGatewayEndpoint {
    Objects.requireNonNull(address, "address");
  }
}
