package dev.chronomesh.ca;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Issues workload certificates as Kuma's issuer does ({@code pkg/core/ca/issuer/issuer.go}): an
 * empty subject, the URI SANs of {@link Spiffe#workloadUris}, valid from 10 s before now for the
 * backend's {@code dpCert.rotation.expiration}, key usage digital signature, key encipherment and
 * key agreement, extended key usage server and client authentication, not a CA. Kuma generates the
 * workload's key itself; here the key stays with whoever asks, who sends a PKCS#10 request whose
 * signature proves it holds the key. Only the request's public key is used: the names come from the
 * mesh's state.
 */
public final class WorkloadCertificates {
  /** Kuma's {@code DefaultWorkloadCertValidityPeriod}. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);

  private WorkloadCertificates() {}

  /**
   * When a workload holding a certificate valid from {@code notBefore} to {@code notAfter} gets a
   * new one: at 4/5 of its lifetime, Kuma's rule ({@code pkg/xds/secrets}), so an unreachable CA
   * leaves a fifth of the lifetime to retry.
   */
  public static Instant renewAt(Instant notBefore, Instant notAfter) {
    Duration lifetime = Duration.between(notBefore, notAfter);
    return notBefore.plus(lifetime.multipliedBy(4).dividedBy(5));
  }

  /** A new workload key: EC P-256, which Envoy's and the JDK's TLS stacks both take. */
  public static KeyPair newKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK provides EC P-256", e);
    }
  }

  /**
   * Whether {@code key} is the private half of {@code certificate}'s public key (EC or RSA): a
   * signature made with it verifies with the certificate. A workload must never be served a key and
   * a certificate that do not belong together (its TLS stack would refuse them).
   */
  public static boolean isKeyOf(PrivateKey key, X509Certificate certificate) {
    return BackendCas.matches(key, certificate.getPublicKey());
  }

  /**
   * A DER-encoded PKCS#10 request for {@code keys} (EC), signed with its private key; the subject
   * {@code CN=<commonName>} is informative only (the CA takes the names from the mesh's state).
   */
  public static byte[] signingRequest(KeyPair keys, String commonName) {
    try {
      return new JcaPKCS10CertificationRequestBuilder(
              new X500Name("CN=" + commonName), keys.getPublic())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
          .getEncoded();
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot sign a PKCS#10 request with an EC key", e);
    }
  }

  /**
   * The public key of a DER-encoded PKCS#10 request whose signature verifies with it.
   *
   * @throws IllegalArgumentException naming why the request is refused: not PKCS#10, a bad
   *     signature, or a key other than RSA of at least 2048 bits or EC P-256/P-384
   */
  public static PublicKey verifiedKey(byte[] csrDer) {
    if (csrDer == null || csrDer.length == 0) {
      throw new IllegalArgumentException("csr_der: must be a DER-encoded PKCS#10 request");
    }
    JcaPKCS10CertificationRequest csr;
    PublicKey key;
    try {
      csr = new JcaPKCS10CertificationRequest(csrDer);
      key = csr.getPublicKey();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          "csr_der: not a DER-encoded PKCS#10 request (" + e.getMessage() + ")");
    }
    try {
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalArgumentException(
            "csr_der: the request's signature does not verify with its public key");
      }
    } catch (OperatorCreationException | PKCSException e) {
      throw new IllegalArgumentException(
          "csr_der: the request's signature cannot be checked (" + e.getMessage() + ")");
    }
    String problem = keyProblem(key);
    if (problem != null) {
      throw new IllegalArgumentException("csr_der: " + problem);
    }
    return key;
  }

  /** Signs a workload certificate for {@code key} with the SANs {@code uris}. */
  public static X509Certificate issue(
      CaKeyPair ca,
      PublicKey key,
      List<String> uris,
      Duration lifetime,
      Instant now,
      SecureRandom random) {
    if (uris.isEmpty()) {
      throw new IllegalArgumentException("a workload certificate needs at least one identity");
    }
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            ca.certificate(),
            Certificates.serial(random),
            Date.from(now.minus(RootCa.CLOCK_SKEW)),
            Date.from(now.plus(lifetime)),
            new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
            key);
    try {
      // An empty subject makes the SAN extension critical (RFC 5280 4.2.1.6).
      Certificates.addLeafExtensions(
          builder,
          ca.certificate(),
          KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement,
          Certificates.uris(uris),
          true);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not build a workload certificate", e);
    }
    return Certificates.sign(builder, ca.privateKey());
  }

  private static String keyProblem(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      return rsa.getModulus().bitLength() >= 2048
          ? null
          : "an RSA key of " + rsa.getModulus().bitLength() + " bits; at least 2048 are needed";
    }
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return bits == 256 || bits == 384
          ? null
          : "an EC key on a " + bits + "-bit curve; P-256 or P-384 are needed";
    }
    return "a "
        + key.getAlgorithm()
        + " key; RSA (2048 bits or more) or EC (P-256, P-384) are needed";
  }
}
