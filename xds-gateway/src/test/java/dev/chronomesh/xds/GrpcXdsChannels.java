package dev.chronomesh.xds;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.xds.XdsNameResolverProvider;
import java.util.List;
import java.util.Map;

/** Real proxyless gRPC clients (grpc-xds) of a gateway on loopback, each with its own bootstrap. */
final class GrpcXdsChannels {
  private GrpcXdsChannels() {}

  /** A channel to {@code xds:///backend} whose xDS server is the gateway on {@code port}. */
  static ManagedChannel toService(int gatewayPort, String nodeId) {
    return toService(gatewayPort, nodeId, Map.of("type", "insecure"));
  }

  /** The same, with the bootstrap's {@code channel_creds} entry for the xDS server. */
  static ManagedChannel toService(int gatewayPort, String nodeId, Map<String, ?> channelCreds) {
    Map<String, Object> bootstrap =
        Map.of(
            "xds_servers",
            List.of(
                Map.of(
                    "server_uri", "127.0.0.1:" + gatewayPort,
                    "channel_creds", List.of(channelCreds),
                    "server_features", List.of("xds_v3"))),
            "node",
            Map.of("id", nodeId));
    // A registry of its own, so that this channel's xds resolver uses this bootstrap (the JVM
    // has none, and each test has its own gateway).
    NameResolverRegistry resolvers = new NameResolverRegistry();
    resolvers.register(XdsNameResolverProvider.createForTest("xds", bootstrap));
    return Grpc.newChannelBuilder(
            "xds:///" + ProxylessConfigs.SERVICE, InsecureChannelCredentials.create(), resolvers)
        .build();
  }
}
