package dev.chronomesh.ca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.util.List;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
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

  /**
   * A CA's extensions: basic constraints CA, key usage certificate and CRL signing, its subject key
   * identifier.
   */
  static void addCaExtensions(JcaX509v3CertificateBuilder builder, PublicKey key)
      throws CertIOException, GeneralSecurityException {
    builder
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
        .addExtension(
            Extension.subjectKeyIdentifier,
            false,
            new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key));
  }

  /**
   * A leaf's extensions for both TLS sides: not a CA, {@code keyUsage}, extended key usage server
   * and client authentication, the issuer's key identifier, the subject alternative names ({@code
   * sanCritical} when the subject is empty, RFC 5280 4.2.1.6).
   */
  static void addLeafExtensions(
      JcaX509v3CertificateBuilder builder,
      X509Certificate issuer,
      int keyUsage,
      GeneralNames sans,
      boolean sanCritical)
      throws CertIOException, GeneralSecurityException {
    builder
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
        .addExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
        .addExtension(
            Extension.authorityKeyIdentifier,
            false,
            new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer))
        .addExtension(Extension.subjectAlternativeName, sanCritical, sans);
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
