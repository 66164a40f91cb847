package dev.chronomesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.ca.v1.GetTrustBundleRequest;
import dev.chronomesh.ca.v1.GetTrustBundleResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A component serving with {@link ReloadingTls} over a real gRPC server and client: a certificate
 * the control-plane CA issues again is served on new connections without a restart, and a new
 * certificate whose key is not (yet) beside it is not taken.
 */
class ReloadingTlsTest {
  private static final Duration PERIOD = Duration.ofMillis(200);
  private static final List<String> HOSTS = List.of("localhost", "127.0.0.1");

  @TempDir Path dir;
  private ControlPlaneCa ca;
  private ReloadingTls serverTls;
  private ReloadingTls clientTls;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    ca = ControlPlaneCa.loadOrCreate(dir, Instant.now());
    ControlPlaneCa.Issued served = ca.issue("ca-service", HOSTS, Instant.now());
    ControlPlaneCa.Issued client = ca.issue(ControlPlaneCa.GATEWAY, HOSTS, Instant.now());
    serverTls =
        ReloadingTls.watch(
            new MutualTls(served.certificateChain(), served.privateKey(), ca.certificateFile()),
            ReloadingTls.Side.SERVER,
            PERIOD);
    clientTls =
        ReloadingTls.watch(
            new MutualTls(client.certificateChain(), client.privateKey(), ca.certificateFile()),
            ReloadingTls.Side.CLIENT,
            PERIOD);
    server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                serverTls.serverCredentials())
            .addService(
                new CertificateAuthorityGrpc.CertificateAuthorityImplBase() {
                  @Override
                  public void getTrustBundle(
                      GetTrustBundleRequest request,
                      StreamObserver<GetTrustBundleResponse> response) {
                    response.onNext(GetTrustBundleResponse.getDefaultInstance());
                    response.onCompleted();
                  }
                })
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    serverTls.close();
    clientTls.close();
  }

  @Test
  void aReissuedCertificateIsServedOnNewConnectionsWithoutARestart() throws Exception {
    BigInteger first = servedSerial();
    assertThat(first).isEqualTo(serial(ca.issued("ca-service").certificateChain()));

    ca.issue("ca-service", HOSTS, Instant.now());
    BigInteger second = serial(ca.issued("ca-service").certificateChain());
    assertThat(second).isNotEqualTo(first);

    await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial().equals(second));
  }

  @Test
  void aCertificateWithoutItsKeyIsNotTaken() throws Exception {
    BigInteger first = servedSerial();
    // Another component's certificate in place of this one's, its key left as it was: a writer
    // that has replaced one file of the two.
    Path chain = ca.issued("ca-service").certificateChain();
    Files.copy(
        ca.issue("other", HOSTS, Instant.now()).certificateChain(),
        chain,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    // Once the reader has seen the pair, the old certificate is still served and calls succeed.
    await().atMost(Duration.ofSeconds(10)).until(() -> serverTls.lastProblem() != null);
    assertThat(serverTls.lastProblem()).contains("is not the certificate's");
    assertThat(servedSerial()).isEqualTo(first);
  }

  @Test
  void filesThatCannotBeReadAtStartAreRefusedNamingThem() {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(
            () ->
                ReloadingTls.watch(
                    missing, missing, null, ReloadingTls.Side.SERVER, ReloadingTls.DEFAULT_PERIOD))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(missing.toString());
  }

  /** The serial of the certificate the server presents on a new connection. */
  private BigInteger servedSerial() throws Exception {
    AtomicReference<SSLSession> session = new AtomicReference<>();
    ManagedChannel channel =
        Grpc.newChannelBuilder("localhost:" + server.getPort(), clientTls.channelCredentials())
            .intercept(new SessionCapture(session))
            .build();
    try {
      CertificateAuthorityGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getTrustBundle(GetTrustBundleRequest.getDefaultInstance());
      return ((X509Certificate) session.get().getPeerCertificates()[0]).getSerialNumber();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static BigInteger serial(Path chain) throws Exception {
    return Pem.certificates(Files.readString(chain)).get(0).getSerialNumber();
  }

  /** Keeps the TLS session of the call's transport. */
  private record SessionCapture(AtomicReference<SSLSession> session) implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          ClientCall<Q, R> call = this;
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onHeaders(Metadata metadata) {
                  session.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                  super.onHeaders(metadata);
                }
              },
              headers);
        }
      };
    }
  }
}
