package dev.chronomesh.it;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.stub.ClientCalls;
import io.grpc.xds.XdsNameResolverProvider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real proxyless gRPC clients (grpc-xds), each bootstrapped at a gateway with its own node id. */
final class XdsClients {
  private XdsClients() {}

  /** A channel to {@code xds:///<service>} whose xDS server is {@code xdsAddress}. */
  static ManagedChannel channel(String xdsAddress, String nodeId, String service) {
    Map<String, ?> bootstrap =
        Map.of(
            "xds_servers",
            List.of(
                Map.of(
                    "server_uri", xdsAddress,
                    "channel_creds", List.of(Map.of("type", "insecure")),
                    "server_features", List.of("xds_v3"))),
            "node",
            Map.of("id", nodeId));
    // A registry of its own gives this channel its own bootstrap, without the process-wide
    // GRPC_XDS_BOOTSTRAP (grpc 1.85 ignores nameResolverFactory for the xds scheme).
    NameResolverRegistry resolvers = new NameResolverRegistry();
    resolvers.register(XdsNameResolverProvider.createForTest("xds", bootstrap));
    return Grpc.newChannelBuilder(
            "xds:///" + service, InsecureChannelCredentials.create(), resolvers)
        .build();
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
