package dev.chronomesh.ca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.util.List;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** What issuing a root and issuing a workload certificate share. */
final class Certificates {
  private Certificates() {}

  /**
   * A positive serial number of up to 128 random bits (RFC 5280 4.1.2.2: positive, at most 20
   * octets; Kuma draws from [1, 2^128]).
   */
  static BigInteger serial(SecureRandom random) {
    return new BigInteger(128, random).add(BigInteger.ONE);
  }

  static GeneralNames uris(List<String> uris) {
    return new GeneralNames(
        uris.stream()
            .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
            .toArray(GeneralName[]::new));
  }

  /** Signs {@code builder} with {@code signer}'s key: SHA-256 with RSA or ECDSA. */
  static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signer) {
    String algorithm = signer instanceof ECKey ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      X509CertificateHolder holder =
          builder.build(new JcaContentSignerBuilder(algorithm).build(signer));
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("could not sign a certificate with " + algorithm, e);
    }
  }
}
