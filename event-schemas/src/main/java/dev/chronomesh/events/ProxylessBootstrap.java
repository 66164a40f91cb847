package dev.chronomesh.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The grpc-xds bootstrap of a proxyless gRPC workload (gRFC A27, A29, A36, A65, A97), built in this
 * one place for every writer ({@code dp-agent --bootstrap}, {@code GET
 * /meshes/{mesh}/dataplanes/{name}/grpc-bootstrap} and so {@code chronoctl generate
 * grpc-bootstrap}), with the names the projector's generated config must agree on: the projector
 * names them in the TLS contexts and server listeners it generates.
 *
 * <p>The bootstrap holds the xDS gateway and how to authenticate to it, the node id {@code
 * <mesh>.<dataplane>}, the template by which an xDS-enabled server names the Listener it asks for,
 * and, for a mesh with mTLS, the certificate provider over the files {@code dp-agent} writes.
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

  /**
   * The {@code channel_creds} type that sends the dataplane token on the ADS stream, registered by
   * {@code dev.chronomesh.proxyless.DataplaneTokenCredentialsProvider} of the {@code
   * proxyless-client} jar (which depends on grpc-xds only, so it repeats this name; the end-to-end
   * tests bootstrap through that provider, so the two cannot drift apart unnoticed). grpc-java up
   * to 1.85 ignores {@code call_creds} on {@code xds_servers}, hence a channel credentials type.
   */
  public static final String TOKEN_CREDENTIALS = "chronomesh_dataplane_token";

  /**
   * The standard {@code channel_creds} type of gRFC A65: TLS verified against its {@code
   * ca_certificate_file} in grpc-go and grpc C-core; grpc-java's ignores the config and trusts the
   * JVM's store only, which is why Java clients need {@link #TOKEN_CREDENTIALS}.
   */
  public static final String TLS_CREDENTIALS = "tls";

  /**
   * The {@code call_creds} type of gRFC A97: {@code authorization: Bearer <the file's JWT>}, sent
   * only over TLS, read when {@code GRPC_EXPERIMENTAL_XDS_BOOTSTRAP_CALL_CREDS=true}; the token
   * must carry {@code exp} (dataplane tokens always do: they are issued with a validity).
   */
  public static final String JWT_CALL_CREDENTIALS = "jwt_token_file";

  /** The workload's private key in the certificate directory (owner-only). */
  public static final String KEY_FILE = "key.pem";

  /** The workload's certificate chain in the certificate directory. */
  public static final String CERT_FILE = "cert.pem";

  /** The mesh's trust bundle in the certificate directory. */
  public static final String CA_FILE = "ca.pem";

  /** How often grpc-xds's {@code file_watcher} re-reads the files: well inside any lifetime. */
  public static final String REFRESH_INTERVAL = "10s";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The Listener an xDS-enabled gRPC server on {@code port} asks for. */
  public static String serverListenerName(int port) {
    return SERVER_LISTENER_TEMPLATE.replace("%s", SERVER_ADDRESS + ":" + port);
  }

  /**
   * How a workload authenticates to the gateway: the {@code channel_creds} entries, in order (grpc
   * takes the first type it supports), and the {@code call_creds} entries (grpc applies every type
   * it supports).
   */
  public record Credentials(List<Map<String, ?>> channel, List<Map<String, ?>> call) {
    public Credentials {
      channel = List.copyOf(channel);
      call = List.copyOf(call);
      if (channel.isEmpty()) {
        throw new IllegalArgumentException("at least one channel_creds entry is needed");
      }
    }

    /** No authentication, no TLS: a loopback gateway with neither (development). */
    public static Credentials insecure() {
      return new Credentials(List.of(Map.of("type", "insecure")), List.of());
    }

    /**
     * The dataplane token in {@code tokenFile}, over TLS verified against {@code gatewayCa} (the
     * control-plane CA's PEM), for every language: first {@link #TOKEN_CREDENTIALS} (grpc-java with
     * the {@code proxyless-client} jar), then {@link #TLS_CREDENTIALS} with the A97 {@link
     * #JWT_CALL_CREDENTIALS} (grpc-go, C-core and the languages on it). {@code gatewayCa} null: a
     * plaintext gateway, which only {@link #TOKEN_CREDENTIALS} can send a token to (A97 sends call
     * credentials over TLS only), so nothing else is offered.
     */
    public static Credentials dataplaneToken(Path tokenFile, Path gatewayCa) {
      Objects.requireNonNull(tokenFile, "tokenFile");
      Map<String, String> config = new LinkedHashMap<>();
      config.put("token_file", tokenFile.toString());
      if (gatewayCa == null) {
        return new Credentials(List.of(entry(TOKEN_CREDENTIALS, config)), List.of());
      }
      config.put("ca_certificate_file", gatewayCa.toString());
      return new Credentials(
          List.of(
              entry(TOKEN_CREDENTIALS, config),
              entry(TLS_CREDENTIALS, Map.of("ca_certificate_file", gatewayCa.toString()))),
          List.of(entry(JWT_CALL_CREDENTIALS, Map.of("jwt_token_file", tokenFile.toString()))));
    }

    private static Map<String, ?> entry(String type, Map<String, String> config) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", type);
      entry.put("config", config);
      return entry;
    }
  }

  /**
   * The bootstrap of dataplane {@code dataplane} of {@code mesh} at the gateway {@code xdsAddress}
   * (host:port), with the file watcher's default refresh interval. {@code certDir} null: no
   * certificate provider, for a mesh without mTLS.
   */
  public static Map<String, Object> of(
      String xdsAddress, String mesh, String dataplane, Credentials credentials, Path certDir) {
    return of(xdsAddress, mesh, dataplane, credentials, certDir, REFRESH_INTERVAL);
  }

  /**
   * The bootstrap, with the file watcher's refresh interval (a protobuf JSON duration, "1s"). Paths
   * are written as given: they are paths on the workload's machine.
   */
  public static Map<String, Object> of(
      String xdsAddress,
      String mesh,
      String dataplane,
      Credentials credentials,
      Path certDir,
      String refreshInterval) {
    Objects.requireNonNull(xdsAddress, "xdsAddress");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(refreshInterval, "refreshInterval");
    Map<String, Object> server = new LinkedHashMap<>();
    server.put("server_uri", xdsAddress);
    server.put("channel_creds", credentials.channel());
    if (!credentials.call().isEmpty()) {
      server.put("call_creds", credentials.call());
    }
    server.put("server_features", List.of("xds_v3"));
    Map<String, Object> bootstrap = new LinkedHashMap<>();
    bootstrap.put("xds_servers", List.of(server));
    bootstrap.put("node", Map.of("id", Keys.proxy(mesh, dataplane)));
    if (certDir != null) {
      Map<String, String> files = new LinkedHashMap<>();
      files.put("certificate_file", certDir.resolve(CERT_FILE).toString());
      files.put("private_key_file", certDir.resolve(KEY_FILE).toString());
      files.put("ca_certificate_file", certDir.resolve(CA_FILE).toString());
      files.put("refresh_interval", refreshInterval);
      Map<String, Object> provider = new LinkedHashMap<>();
      provider.put("plugin_name", "file_watcher");
      provider.put("config", files);
      bootstrap.put("certificate_providers", Map.of(CERTIFICATE_PROVIDER, provider));
    }
    // Also without mTLS: grpc-java's XdsServerBuilder refuses to start without it.
    bootstrap.put("server_listener_resource_name_template", SERVER_LISTENER_TEMPLATE);
    return bootstrap;
  }

  /** {@code bootstrap} as the JSON grpc reads from {@code GRPC_XDS_BOOTSTRAP}, newline-ended. */
  public static String toJson(Map<String, Object> bootstrap) {
    try {
      return JSON.writeValueAsString(bootstrap) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + bootstrap, e);
    }
  }
}
