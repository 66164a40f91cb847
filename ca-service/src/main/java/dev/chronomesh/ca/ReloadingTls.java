package dev.chronomesh.ca;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A control-plane component's TLS read from PEM files and read again every period, so a renewed
 * certificate (by {@code up}, or by the operator's tooling for {@code run}) is served on new
 * connections without a restart. A new certificate and key are taken only together, once the key
 * signs what the certificate's public key verifies: a writer that replaces the two files one after
 * the other never pairs a new certificate with the old key. A read that fails keeps what was
 * served, logged once per reason. Close it to stop reading.
 */
public final class ReloadingTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingTls.class);

  /** How often the files are read again. */
  public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(1);

  /** Which side of a connection the files serve: it decides how the peer is verified. */
  public enum Side {
    /** Verifies a client's certificate against the CA, no host name. */
    SERVER,
    /** Verifies the server's certificate against the CA and the host name dialled. */
    CLIENT
  }

  private final Path certificateChain;
  private final Path privateKey;
  private final Path trustedCa;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trust;
  private final ScheduledExecutorService reader;
  private String served;
  private volatile String lastProblem;

  private ReloadingTls(Path certificateChain, Path privateKey, Path trustedCa, Side side)
      throws GeneralSecurityException {
    this.certificateChain = Objects.requireNonNull(certificateChain, "certificateChain");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    this.trustedCa = trustedCa;
    this.trust =
        trustedCa == null
            ? null
            : AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(
                    side == Side.CLIENT
                        ? AdvancedTlsX509TrustManager.Verification
                            .CERTIFICATE_AND_HOST_NAME_VERIFICATION
                        : AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                .build();
    this.reader =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tls-reload-" + certificateChain.getFileName());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Reads the files now and every {@code period} from then on.
   *
   * @param trustedCa the CA the peer's certificate must chain to, or null (a server that asks no
   *     client certificate)
   * @throws UncheckedIOException when the files cannot be read now or do not match
   */
  public static ReloadingTls watch(
      Path certificateChain, Path privateKey, Path trustedCa, Side side, Duration period) {
    ReloadingTls tls;
    try {
      tls = new ReloadingTls(certificateChain, privateKey, trustedCa, side);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a trust manager", e);
    }
    try {
      tls.read();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      tls.close();
      throw new UncheckedIOException(
          new IOException(
              "cannot read the TLS certificate "
                  + certificateChain
                  + ", key "
                  + privateKey
                  + (trustedCa == null ? "" : " or trusted CA " + trustedCa)
                  + ": "
                  + e.getMessage(),
              e));
    }
    long millis = period.toMillis();
    tls.reader.scheduleWithFixedDelay(tls::readLogged, millis, millis, TimeUnit.MILLISECONDS);
    return tls;
  }

  /** {@link #watch} with both sides of {@code mtls}. */
  public static ReloadingTls watch(MutualTls mtls, Side side, Duration period) {
    return watch(mtls.certificateChain(), mtls.privateKey(), mtls.trustedCa(), side, period);
  }

  /** Credentials of a server: its certificate; a client certificate required with a CA. */
  public ServerCredentials serverCredentials() {
    TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(keys);
    if (trust != null) {
      builder.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return builder.build();
  }

  /**
   * A JDK TLS context serving the same certificate, renewed with it, asking no client certificate
   * (for an HTTPS server beside the gRPC one).
   */
  public javax.net.ssl.SSLContext serverSslContext() {
    try {
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(new javax.net.ssl.KeyManager[] {keys}, null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a TLS context", e);
    }
  }

  /** Credentials of a client: its certificate, and the CA the server must chain to. */
  public ChannelCredentials channelCredentials() {
    TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder().keyManager(keys);
    if (trust != null) {
      builder.trustManager(trust);
    }
    return builder.build();
  }

  private void readLogged() {
    try {
      read();
      lastProblem = null;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      String problem = e.getClass().getSimpleName() + ": " + e.getMessage();
      if (!problem.equals(lastProblem)) {
        LOG.warn(
            "Keeping the TLS certificate served; reading {} failed: {}", certificateChain, problem);
        lastProblem = problem;
      }
    }
  }

  private synchronized void read() throws IOException, GeneralSecurityException {
    String chainPem = Files.readString(certificateChain, StandardCharsets.US_ASCII);
    String keyPem = Files.readString(privateKey, StandardCharsets.US_ASCII);
    String caPem = trustedCa == null ? "" : Files.readString(trustedCa, StandardCharsets.US_ASCII);
    String now = chainPem + "\n" + keyPem + "\n" + caPem;
    if (now.equals(served)) {
      return;
    }
    List<X509Certificate> chain = Pem.certificates(chainPem);
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + certificateChain);
    }
    PrivateKey key = Pem.privateKey(keyPem);
    if (!WorkloadCertificates.isKeyOf(key, chain.get(0))) {
      throw new GeneralSecurityException("the key in " + privateKey + " is not the certificate's");
    }
    if (trust != null) {
      List<X509Certificate> cas = Pem.certificates(caPem);
      if (cas.isEmpty()) {
        throw new GeneralSecurityException("no certificate in " + trustedCa);
      }
      trust.updateTrustCredentials(cas.toArray(X509Certificate[]::new));
    }
    keys.updateIdentityCredentials(chain.toArray(X509Certificate[]::new), key);
    if (served != null) {
      LOG.info(
          "Serving a new TLS certificate from {} serial={} notAfter={}",
          certificateChain,
          chain.get(0).getSerialNumber().toString(16),
          chain.get(0).getNotAfter().toInstant());
    }
    served = now;
  }

  /** Why the last read kept what was served, or null after a read that succeeded. */
  String lastProblem() {
    return lastProblem;
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
