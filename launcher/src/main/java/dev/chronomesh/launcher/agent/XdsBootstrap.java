package dev.chronomesh.launcher.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.chronomesh.events.ProxylessBootstrap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grpc-xds bootstrap of a proxyless workload (gRFC A27, A29, A36): the xDS gateway and how to
 * authenticate to it, the node id {@code <mesh>.<dataplane>}, the certificate provider over the
 * files {@link WorkloadFiles} writes, and the template by which an xDS-enabled server names the
 * Listener it asks for. The names the projector's config refers to come from {@link
 * ProxylessBootstrap}, so the two cannot drift apart.
 */
public final class XdsBootstrap {
  /**
   * The {@code channel_creds} type that sends the dataplane token on the ADS stream: the workload
   * has the {@code proxyless-client} jar on its classpath, whose {@code
   * DataplaneTokenCredentialsProvider} registers it (grpc-java ignores {@code call_creds} on {@code
   * xds_servers}). The end-to-end tests bootstrap with this name through that provider.
   */
  public static final String TOKEN_CREDENTIALS = "chronomesh_dataplane_token";

  /** How often grpc-xds's {@code file_watcher} re-reads the files: well inside any lifetime. */
  static final String REFRESH_INTERVAL = "10s";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private XdsBootstrap() {}

  /** The {@code channel_creds} entry that presents the token in {@code tokenFile}. */
  public static Map<String, ?> tokenCredentials(Path tokenFile) {
    return tokenCredentials(tokenFile, null);
  }

  /**
   * The {@code channel_creds} entry that presents the token in {@code tokenFile} over TLS verified
   * against {@code gatewayCa} (the control-plane CA's PEM; null: plaintext).
   */
  public static Map<String, ?> tokenCredentials(Path tokenFile, Path gatewayCa) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("token_file", tokenFile.toString());
    if (gatewayCa != null) {
      config.put("ca_certificate_file", gatewayCa.toAbsolutePath().toString());
    }
    return Map.of("type", TOKEN_CREDENTIALS, "config", config);
  }

  /**
   * The bootstrap. {@code certDir} null: no certificate provider and no server template, for a
   * client of a mesh without mTLS.
   */
  public static Map<String, Object> of(
      String xdsAddress, String nodeId, Map<String, ?> channelCredentials, Path certDir) {
    return of(xdsAddress, nodeId, channelCredentials, certDir, REFRESH_INTERVAL);
  }

  /** The bootstrap, with the file watcher's refresh interval (a protobuf JSON duration, "1s"). */
  public static Map<String, Object> of(
      String xdsAddress,
      String nodeId,
      Map<String, ?> channelCredentials,
      Path certDir,
      String refreshInterval) {
    Map<String, Object> bootstrap = new LinkedHashMap<>();
    bootstrap.put(
        "xds_servers",
        List.of(
            Map.of(
                "server_uri", xdsAddress,
                "channel_creds", List.of(channelCredentials),
                "server_features", List.of("xds_v3"))));
    bootstrap.put("node", Map.of("id", nodeId));
    if (certDir != null) {
      Path dir = certDir.toAbsolutePath();
      bootstrap.put(
          "certificate_providers",
          Map.of(
              ProxylessBootstrap.CERTIFICATE_PROVIDER,
              Map.of(
                  "plugin_name",
                  "file_watcher",
                  "config",
                  Map.of(
                      "certificate_file", dir.resolve(WorkloadFiles.CERT).toString(),
                      "private_key_file", dir.resolve(WorkloadFiles.KEY).toString(),
                      "ca_certificate_file", dir.resolve(WorkloadFiles.CA).toString(),
                      "refresh_interval", refreshInterval))));
      bootstrap.put(
          "server_listener_resource_name_template", ProxylessBootstrap.SERVER_LISTENER_TEMPLATE);
    }
    return bootstrap;
  }

  /** Writes {@code bootstrap} as JSON to {@code file}, for {@code GRPC_XDS_BOOTSTRAP}. */
  public static void write(Path file, Map<String, Object> bootstrap) throws IOException {
    Files.writeString(file, JSON.writeValueAsString(bootstrap) + "\n");
  }
}
