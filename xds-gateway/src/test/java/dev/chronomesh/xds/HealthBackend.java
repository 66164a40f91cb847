package dev.chronomesh.xds;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A plain gRPC server on loopback (the health service) that counts the calls it receives. */
final class HealthBackend implements AutoCloseable {
  private final Server server;
  private final AtomicInteger calls;

  private HealthBackend(Server server, AtomicInteger calls) {
    this.server = server;
    this.calls = calls;
  }

  static HealthBackend start() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    ServerInterceptor counting =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, io.grpc.Metadata headers, ServerCallHandler<Q, R> next) {
            calls.incrementAndGet();
            return next.startCall(call, headers);
          }
        };
    Server server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
            .addService(
                ServerInterceptors.intercept(
                    new HealthStatusManager().getHealthService(), counting))
            .build()
            .start();
    return new HealthBackend(server, calls);
  }

  int port() {
    return server.getPort();
  }

  int calls() {
    return calls.get();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
