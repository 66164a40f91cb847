package dev.chronomesh.ca;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** PEM encoding of certificates and private keys (PKCS#8), and back. */
public final class Pem {
  private Pem() {}

  /**
   * PEM of one object (a certificate, a CSR); a private key as PKCS#8 ({@code PRIVATE KEY}), the
   * form grpc-java's and Envoy's TLS stacks read for every key type.
   */
  public static String encode(Object value) {
    if (value instanceof PrivateKey key) {
      return "-----BEGIN PRIVATE KEY-----\n"
          + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
    }
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** PEM of several certificates, one after the other. */
  public static String encodeAll(List<X509Certificate> certificates) {
    StringBuilder out = new StringBuilder();
    certificates.forEach(c -> out.append(encode(c)));
    return out.toString();
  }

  /**
   * Every certificate in {@code pem}.
   *
   * @throws IllegalArgumentException when it holds anything else, or nothing
   */
  public static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> out = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (!(o instanceof X509CertificateHolder holder)) {
          throw new IllegalArgumentException("not a certificate: " + o.getClass().getSimpleName());
        }
        out.add(new JcaX509CertificateConverter().getCertificate(holder));
      }
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate found");
    }
    return out;
  }

  /**
   * The private key in {@code pem} (PKCS#8 or a PKCS#1/SEC1 key pair).
   *
   * @throws IllegalArgumentException when there is none
   */
  public static PrivateKey privateKey(String pem) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
      throw new IllegalArgumentException("no PEM private key found");
    } catch (IOException e) {
      throw new IllegalArgumentException("not a PEM private key: " + e.getMessage(), e);
    }
  }
}
