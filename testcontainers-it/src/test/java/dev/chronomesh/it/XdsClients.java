package dev.chronomesh.it;

import dev.chronomesh.events.Keys;
import dev.chronomesh.events.ProxylessBootstrap;
import dev.chronomesh.events.ProxylessBootstrap.Credentials;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.stub.ClientCalls;
import io.grpc.xds.XdsChannelCredentials;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real proxyless gRPC clients (grpc-xds), each bootstrapped at a gateway with its own node id. */
final class XdsClients {
  private XdsClients() {}

  /**
   * A channel to {@code xds:///<service>} whose xDS server is {@code xdsAddress}, which it talks to
   * without a dataplane token (a gateway started with {@code --no-dataplane-tokens}).
   */
  static ManagedChannel channel(String xdsAddress, String nodeId, String service) {
    return channel(xdsAddress, nodeId, service, Credentials.insecure());
  }

  /**
   * A channel to {@code xds:///<service>} whose ADS stream presents the dataplane token in {@code
   * tokenFile} (see {@link dev.chronomesh.proxyless.DataplaneTokenCredentialsProvider}).
   */
  static ManagedChannel channel(String xdsAddress, String nodeId, String service, Path tokenFile) {
    return channel(
        xdsAddress, nodeId, service, Credentials.dataplaneToken(tokenFile.toAbsolutePath(), null));
  }

  /**
   * Applies {@code backend-1} of {@code mesh}: one inbound (127.0.0.2:8080) of {@code
   * kuma.io/service: backend}, for a sidecar whose outbound names backend.
   */
  static void putBackend(Rest admin, String mesh) {
    HttpResponse<String> response =
        admin.putYaml(
            "/meshes/" + mesh + "/dataplanes/backend-1",
            """
            type: Dataplane
            mesh: %s
            name: backend-1
            networking:
              address: 127.0.0.2
              inbound:
              - port: 8080
                tags: {kuma.io/service: backend}
            """
                .formatted(mesh));
    if (response.statusCode() != 200 && response.statusCode() != 201) {
      throw new IllegalStateException(
          "PUT backend-1 answered " + response.statusCode() + ": " + response.body());
    }
  }

  /**
   * Issues a dataplane token for {@code <mesh>.<name>} of {@code kuma.io/service: <service>}
   * through the REST API ({@code POST /tokens/dataplane}, what {@code chronoctl generate
   * dataplane-token} calls). The gateway checks that tag against the registered dataplane.
   */
  static String dataplaneToken(Rest admin, String mesh, String name, String service) {
    HttpResponse<String> response =
        admin.post(
            "/tokens/dataplane",
            """
            {"name": "%s", "mesh": "%s", "tags": {"kuma.io/service": ["%s"]}, "validFor": "1h"}
            """
                .formatted(name, mesh, service));
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "POST /tokens/dataplane answered " + response.statusCode() + ": " + response.body());
    }
    return response.body().strip();
  }

  /**
   * Issues a dataplane token for {@code <mesh>.<name>} and writes it to a file in {@code dir}, as
   * an operator hands it to a proxy.
   */
  static Path dataplaneTokenFile(Rest admin, String mesh, String name, String service, Path dir)
      throws IOException {
    Path file = dir.resolve(mesh + "." + name + ".token");
    Files.writeString(file, dataplaneToken(admin, mesh, name, service), StandardCharsets.US_ASCII);
    return file;
  }

  /**
   * A channel to {@code xds:///<service>} that uses the mesh's mTLS when its clusters say so (xDS
   * channel credentials), with the key, certificate and CA bundle {@code dp-agent} wrote into
   * {@code certDir}; its ADS stream presents the dataplane token in {@code tokenFile}.
   */
  static ManagedChannel mtlsChannel(
      String xdsAddress, String nodeId, String service, Path tokenFile, Path certDir) {
    NameResolverRegistry resolvers = new NameResolverRegistry();
    resolvers.register(
        XdsNameResolverProvider.createForTest(
            "xds",
            bootstrap(
                xdsAddress,
                nodeId,
                Credentials.dataplaneToken(tokenFile.toAbsolutePath(), null),
                certDir.toAbsolutePath(),
                "1s")));
    return Grpc.newChannelBuilder(
            "xds:///" + service,
            XdsChannelCredentials.create(InsecureChannelCredentials.create()),
            resolvers)
        .build();
  }

  private static ManagedChannel channel(
      String xdsAddress, String nodeId, String service, Credentials credentials) {
    // A registry of its own gives this channel its own bootstrap, without the process-wide
    // GRPC_XDS_BOOTSTRAP (grpc 1.85 ignores nameResolverFactory for the xds scheme).
    NameResolverRegistry resolvers = new NameResolverRegistry();
    resolvers.register(
        XdsNameResolverProvider.createForTest(
            "xds",
            bootstrap(xdsAddress, nodeId, credentials, null, ProxylessBootstrap.REFRESH_INTERVAL)));
    return Grpc.newChannelBuilder(
            "xds:///" + service, InsecureChannelCredentials.create(), resolvers)
        .build();
  }

  private static Map<String, Object> bootstrap(
      String xdsAddress,
      String nodeId,
      Credentials credentials,
      Path certDir,
      String refreshInterval) {
    Keys.MeshAnd proxy =
        Keys.parseProxy(nodeId)
            .orElseThrow(() -> new IllegalArgumentException("not <mesh>.<name>: " + nodeId));
    return ProxylessBootstrap.of(
        xdsAddress, proxy.mesh(), proxy.rest(), credentials, certDir, refreshInterval);
  }

  /** One call to the WhoAmI method: the name of the backend that answered. */
  static String who(ManagedChannel channel) {
    return ClientCalls.blockingUnaryCall(
        channel, WhoAmIServer.WHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "?");
  }

  static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(10, TimeUnit.SECONDS);
  }
}
