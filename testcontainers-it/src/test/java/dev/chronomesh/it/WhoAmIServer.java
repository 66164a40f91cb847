package dev.chronomesh.it;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server on a free loopback port whose one unary method answers its own name, so a test
 * can see which backend a client reached. Defined without protoc: UTF-8 string messages.
 */
final class WhoAmIServer implements AutoCloseable {
  /** Answers late without holding a gRPC thread; daemon threads, shared by all servers. */
  private static final ScheduledExecutorService DELAYS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "whoami-delays");
            t.setDaemon(true);
            return t;
          });

  static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("chronomesh.test.WhoAmI/Who")
          .setRequestMarshaller(Utf8.INSTANCE)
          .setResponseMarshaller(Utf8.INSTANCE)
          .build();

  private final Server server;
  private final String name;
  private final AtomicInteger calls = new AtomicInteger();

  /** What the server does with its n-th call (0-based): answer, fail, or answer late. */
  interface Behaviour {
    /** Null to answer at once with the server's name, else the failure to answer with. */
    Status failure(int call);

    /** How long to wait before answering. */
    default Duration delay(int call) {
      return Duration.ZERO;
    }
  }

  WhoAmIServer(String name) {
    this(name, call -> null);
  }

  /** A server that answers every call after {@code delay}. */
  static WhoAmIServer slow(String name, Duration delay) {
    return new WhoAmIServer(
        name,
        new Behaviour() {
          @Override
          public Status failure(int call) {
            return null;
          }

          @Override
          public Duration delay(int call) {
            return delay;
          }
        });
  }

  /** A server that fails {@code failures} calls with UNAVAILABLE before each one it answers. */
  static WhoAmIServer flaky(String name, int failures) {
    return new WhoAmIServer(
        name,
        call ->
            call % (failures + 1) < failures
                ? Status.UNAVAILABLE.withDescription("flaky: call " + call)
                : null);
  }

  /** How many calls reached this server. */
  int calls() {
    return calls.get();
  }

  WhoAmIServer(String name, Behaviour behaviour) {
    this.name = name;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("chronomesh.test.WhoAmI")
            .addMethod(
                WHO,
                ServerCalls.asyncUnaryCall(
                    (request, observer) -> {
                      int call = calls.getAndIncrement();
                      Status failure = behaviour.failure(call);
                      Duration delay = behaviour.delay(call);
                      Runnable answer =
                          () -> {
                            if (failure != null) {
                              observer.onError(failure.asRuntimeException());
                            } else {
                              observer.onNext(name);
                              observer.onCompleted();
                            }
                          };
                      if (delay.isZero()) {
                        answer.run();
                      } else {
                        DELAYS.schedule(answer, delay.toMillis(), TimeUnit.MILLISECONDS);
                      }
                    }))
            .build();
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(service)
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getPort();
  }

  String name() {
    return name;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
  }

  /** UTF-8 strings as gRPC messages. */
  enum Utf8 implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
