package dev.chronomesh.events;

/**
 * The names a proxyless gRPC workload's xDS bootstrap and the config the projector generates for it
 * must agree on, each defined once: the projector names them in the TLS contexts and server
 * listeners it generates, {@code dp-agent} writes them into the bootstrap it generates.
 */
public final class ProxylessBootstrap {
  private ProxylessBootstrap() {}

  /**
   * The bootstrap's {@code certificate_providers} instance holding the workload's key, certificate
   * and the mesh's trust bundle (a {@code file_watcher} reading what {@code dp-agent} writes). One
   * instance serves both: its identity certificate and its CA certificates.
   */
  public static final String CERTIFICATE_PROVIDER = "chronomesh";

  /**
   * The bootstrap's {@code server_listener_resource_name_template}: an xDS-enabled gRPC server
   * ({@code XdsServerBuilder}) listening on port {@code p} asks for the Listener named by it with
   * {@code %s} replaced by {@code 0.0.0.0:p} (grpc-java always listens on the wildcard address).
   */
  public static final String SERVER_LISTENER_TEMPLATE =
      "grpc/server?xds.resource.listening_address=%s";

  /** The address grpc-java's xDS-enabled server puts in its listener's name and matches. */
  public static final String SERVER_ADDRESS = "0.0.0.0";

  /** The Listener an xDS-enabled gRPC server on {@code port} asks for. */
  public static String serverListenerName(int port) {
    return SERVER_LISTENER_TEMPLATE.replace("%s", SERVER_ADDRESS + ":" + port);
  }
}
