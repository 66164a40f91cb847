package dev.chronomesh.launcher.agent;

import com.google.protobuf.ByteString;
import dev.chronomesh.ca.Pem;
import dev.chronomesh.ca.WorkloadCertificates;
import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.ca.v1.GetTrustBundleRequest;
import dev.chronomesh.ca.v1.GetTrustBundleResponse;
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
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a proxyless workload's certificate fresh: makes an EC P-256 key locally, has a certificate
 * signed for it through the xDS gateway with the dataplane token (a CSR: the key never leaves this
 * process and its files), writes key, certificate and the mesh's trust bundle where grpc-xds's
 * {@code file_watcher} certificate provider reads them ({@link WorkloadFiles}), and starts again
 * with a new key at 4/5 of the certificate's lifetime ({@link WorkloadCertificates#renewAt}).
 */
public final class DpAgent {
  private static final Logger LOG = LoggerFactory.getLogger(DpAgent.class);
  private static final Duration RETRY = Duration.ofSeconds(5);

  private final ManagedChannel gateway;
  private final String mesh;
  private final String dataplane;
  private final Path tokenFile;
  private final Path dir;
  private final Duration bundleRefresh;
  private final Clock clock;

  /** What was last written: the key and certificate are kept while only the bundle changes. */
  private String keyPem;

  private String certPem;
  private String bundlePem;
  private String identitiesVersion;

  /** Set when {@link #refreshBundle} renewed: the renewal schedule follows the new certificate. */
  private X509Certificate renewedByRefresh;

  private String lastBundleFailure;

  public DpAgent(
      ManagedChannel gateway,
      String mesh,
      String dataplane,
      Path tokenFile,
      Path dir,
      Duration bundleRefresh,
      Clock clock) {
    this.gateway = gateway;
    this.mesh = mesh;
    this.dataplane = dataplane;
    this.tokenFile = tokenFile;
    this.dir = dir;
    this.bundleRefresh = bundleRefresh;
    this.clock = clock;
  }

  /**
   * Gets one certificate and writes the files.
   *
   * @return the certificate's notAfter
   * @throws io.grpc.StatusRuntimeException when the gateway or the CA refuses (the reason in it)
   */
  public X509Certificate renewOnce() throws IOException, GeneralSecurityException {
    KeyPair keys = WorkloadCertificates.newKey();
    byte[] csr = WorkloadCertificates.signingRequest(keys, dataplane);
    SignWorkloadCertificateResponse signed =
        ca().signWorkloadCertificate(
                SignWorkloadCertificateRequest.newBuilder()
                    .setMesh(mesh)
                    .setDataplane(dataplane)
                    .setCsrDer(ByteString.copyFrom(csr))
                    .build());
    keyPem = Pem.encode(keys.getPrivate());
    certPem = signed.getCertificatePem();
    bundlePem = signed.getTrustBundlePem();
    identitiesVersion = signed.getIdentitiesVersion();
    WorkloadFiles.write(dir, keyPem, certPem, bundlePem);
    X509Certificate cert = Pem.certificates(signed.getCertificatePem()).get(0);
    LOG.info(
        "Workload certificate written dir={} identities={} notAfter={}",
        dir,
        signed.getUriSansList(),
        cert.getNotAfter().toInstant());
    return cert;
  }

  /**
   * Fetches the mesh's trust bundle and, when it changed, rewrites the files with it (same key and
   * certificate): a new backend's CA is trusted before any peer presents a certificate it signed.
   * When the mesh's identities version differs from the certificate's (a MeshIdentity was written,
   * deleted or became usable), renews the certificate instead.
   *
   * @return whether the files changed
   * @throws io.grpc.StatusRuntimeException when the gateway or the CA refuses
   */
  public boolean refreshBundle() throws IOException {
    if (certPem == null) {
      return false;
    }
    GetTrustBundleResponse answer =
        ca().getTrustBundle(
                GetTrustBundleRequest.newBuilder().setMesh(mesh).setDataplane(dataplane).build());
    if (!answer.getIdentitiesVersion().equals(identitiesVersion)) {
      // A MeshIdentity changed what this dataplane may be: renew now, not at the renewal time.
      LOG.info("Mesh identities changed dir={}: renewing now", dir);
      try {
        renewedByRefresh = renewOnce();
      } catch (GeneralSecurityException e) {
        throw new IOException(e);
      }
      return true;
    }
    String bundle = answer.getTrustBundlePem();
    if (bundle.equals(bundlePem)) {
      return false;
    }
    bundlePem = bundle;
    WorkloadFiles.write(dir, keyPem, certPem, bundlePem);
    LOG.info("Trust bundle updated dir={} certificates={}", dir, Pem.certificates(bundle).size());
    return true;
  }

  /**
   * Renews until interrupted, and fetches the trust bundle every {@code bundleRefresh} in between;
   * a failed renewal is retried after a few seconds.
   */
  public void run() throws InterruptedException {
    Instant renewAt = clock.instant();
    while (!Thread.currentThread().isInterrupted()) {
      if (!clock.instant().isBefore(renewAt)) {
        try {
          X509Certificate cert = renewOnce();
          renewAt =
              WorkloadCertificates.renewAt(
                  cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
          LOG.warn(
              "Renewing the workload certificate failed; retrying in {}: {}", RETRY, e.toString());
          renewAt = clock.instant().plus(RETRY);
        }
      } else {
        try {
          refreshBundle();
          if (renewedByRefresh != null) {
            renewAt =
                WorkloadCertificates.renewAt(
                    renewedByRefresh.getNotBefore().toInstant(),
                    renewedByRefresh.getNotAfter().toInstant());
            renewedByRefresh = null;
          }
          lastBundleFailure = null;
        } catch (IOException | RuntimeException e) {
          if (!e.toString().equals(lastBundleFailure)) {
            LOG.warn("Fetching the trust bundle failed: {}", e.toString());
          }
          lastBundleFailure = e.toString();
        }
      }
      Instant next = clock.instant().plus(bundleRefresh);
      if (renewAt.isBefore(next)) {
        next = renewAt;
      }
      Thread.sleep(Math.max(0, Duration.between(clock.instant(), next).toMillis()));
    }
  }

  /** The CA through the gateway, with the dataplane token (read each time: it may be replaced). */
  private CertificateAuthorityGrpc.CertificateAuthorityBlockingStub ca() throws IOException {
    Metadata auth = new Metadata();
    auth.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + Files.readString(tokenFile, StandardCharsets.US_ASCII).strip());
    return CertificateAuthorityGrpc.newBlockingStub(gateway)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
