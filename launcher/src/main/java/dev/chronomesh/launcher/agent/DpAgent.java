package dev.chronomesh.launcher.agent;

import com.google.protobuf.ByteString;
import dev.chronomesh.ca.Pem;
import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.ca.v1.SignWorkloadCertificateRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a proxyless workload's certificate fresh: makes an EC P-256 key locally, has a certificate
 * signed for it through the xDS gateway with the dataplane token (a CSR: the key never leaves this
 * process and its files), writes key, certificate and the mesh's trust bundle where grpc-xds's
 * {@code file_watcher} certificate provider reads them ({@link WorkloadFiles}), and starts again
 * with a new key at 4/5 of the certificate's lifetime ({@link Renewal}).
 */
public final class DpAgent {
  private static final Logger LOG = LoggerFactory.getLogger(DpAgent.class);
  private static final Duration RETRY = Duration.ofSeconds(5);

  private final ManagedChannel gateway;
  private final String mesh;
  private final String dataplane;
  private final Path tokenFile;
  private final Path dir;
  private final Clock clock;

  public DpAgent(
      ManagedChannel gateway,
      String mesh,
      String dataplane,
      Path tokenFile,
      Path dir,
      Clock clock) {
    this.gateway = gateway;
    this.mesh = mesh;
    this.dataplane = dataplane;
    this.tokenFile = tokenFile;
    this.dir = dir;
    this.clock = clock;
  }

  /**
   * Gets one certificate and writes the files.
   *
   * @return the certificate's notAfter
   * @throws io.grpc.StatusRuntimeException when the gateway or the CA refuses (the reason in it)
   */
  public X509Certificate renewOnce() throws IOException, GeneralSecurityException {
    KeyPair keys = newKey();
    byte[] csr;
    try {
      csr =
          new JcaPKCS10CertificationRequestBuilder(
                  new X500Name("CN=" + dataplane), keys.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
              .getEncoded();
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign a CSR", e);
    }
    Metadata auth = new Metadata();
    // The token is read at each renewal: an operator may replace the file.
    auth.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + Files.readString(tokenFile, StandardCharsets.US_ASCII).strip());
    SignWorkloadCertificateResponse signed =
        CertificateAuthorityGrpc.newBlockingStub(gateway)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth))
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .signWorkloadCertificate(
                SignWorkloadCertificateRequest.newBuilder()
                    .setMesh(mesh)
                    .setDataplane(dataplane)
                    .setCsrDer(ByteString.copyFrom(csr))
                    .build());
    WorkloadFiles.write(
        dir, Pem.encode(keys.getPrivate()), signed.getCertificatePem(), signed.getTrustBundlePem());
    X509Certificate cert = Pem.certificates(signed.getCertificatePem()).get(0);
    LOG.info(
        "Workload certificate written dir={} identities={} notAfter={}",
        dir,
        signed.getUriSansList(),
        cert.getNotAfter().toInstant());
    return cert;
  }

  /** Renews until interrupted; a failed attempt is retried after a few seconds. */
  public void run() throws InterruptedException {
    while (!Thread.currentThread().isInterrupted()) {
      Instant next;
      try {
        X509Certificate cert = renewOnce();
        next = Renewal.at(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        LOG.warn(
            "Renewing the workload certificate failed; retrying in {}: {}", RETRY, e.toString());
        next = clock.instant().plus(RETRY);
      }
      long waitMillis = Math.max(0, Duration.between(clock.instant(), next).toMillis());
      Thread.sleep(waitMillis);
    }
  }

  private static KeyPair newKey() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }
}
