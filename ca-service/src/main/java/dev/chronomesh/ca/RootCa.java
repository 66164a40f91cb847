package dev.chronomesh.ca;

import dev.chronomesh.events.Spiffe;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * A mesh's builtin root CA, as Kuma's builtin CA manager makes it ({@code
 * pkg/plugins/ca/builtin/ca.go}): an RSA key of {@code caCert.RSAbits}, a self-signed certificate
 * with subject {@code O=Kuma, OU=Mesh, CN=<mesh>}, the URI SAN {@code spiffe://<mesh>} (the trust
 * domain), valid from 10 s before now (clock skew) for {@code caCert.expiration}, key usage
 * certificate and CRL signing, basic constraints CA. One difference: Kuma gives every root the
 * serial number 0, which RFC 5280 forbids; ours is random.
 */
public final class RootCa {
  /** Kuma's {@code DefaultAllowedClockSkew}. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(10);

  private RootCa() {}

  /** Creates the root CA of {@code mesh}: a new key and its certificate. */
  public static CaKeyPair create(
      String mesh, BuiltinCaConf conf, Instant now, SecureRandom random) {
    return certify(mesh, generateKey(conf, random), conf, now, random);
  }

  /** A new RSA key of the conf's size. */
  public static KeyPair generateKey(BuiltinCaConf conf, SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(conf.rsaBits(), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not generate an RSA key", e);
    }
  }

  /** The key pair of a stored RSA private key (its public half derived from it). */
  public static KeyPair keyPairOf(PrivateKey key) {
    if (!(key instanceof RSAPrivateCrtKey rsa)) {
      throw new IllegalArgumentException("a builtin CA key must be RSA, got " + key.getAlgorithm());
    }
    try {
      PublicKey pub =
          KeyFactory.getInstance("RSA")
              .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
      return new KeyPair(pub, key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not derive an RSA public key", e);
    }
  }

  /** The self-signed CA certificate of {@code keys} for {@code mesh}. */
  public static CaKeyPair certify(
      String mesh, KeyPair keys, BuiltinCaConf conf, Instant now, SecureRandom random) {
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "Kuma")
            .addRDN(BCStyle.OU, "Mesh")
            .addRDN(BCStyle.CN, mesh)
            .build();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            Certificates.serial(random),
            Date.from(now.minus(CLOCK_SKEW)),
            Date.from(now.plus(conf.expiration())),
            subject,
            keys.getPublic());
    try {
      Certificates.addCaExtensions(builder, keys.getPublic());
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          Certificates.uris(List.of(Spiffe.trustDomain(mesh))));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not build a CA certificate", e);
    }
    return new CaKeyPair(Certificates.sign(builder, keys.getPrivate()), keys.getPrivate());
  }
}
