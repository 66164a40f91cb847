package dev.chronomesh.ca;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * The control plane's own CA (not a mesh's): it certifies the xDS gateways' port and the CA
 * service, so that proxies verify the gateway and gateways and CA service authenticate each other
 * with mTLS. {@code up} keeps it in {@code <data-dir>/control-plane/}: {@code ca.pem} (public: give
 * it to proxies and agents) and {@code ca-key.pem} (owner-only), created at the first start; each
 * start issues fresh component certificates ({@code <component>.pem}, {@code <component>-key.pem})
 * for both server and client authentication. EC P-256 throughout.
 */
public final class ControlPlaneCa {
  public static final String CA_FILE = "ca.pem";
  static final String CA_KEY_FILE = "ca-key.pem";
  static final Duration CA_LIFETIME = Duration.ofDays(3650);
  static final Duration COMPONENT_LIFETIME = Duration.ofDays(365);

  /**
   * When a running control plane issues its components new certificates: at 4/5 of their lifetime,
   * as workload certificates; the components read them again within {@link
   * ReloadingTls#DEFAULT_PERIOD}.
   */
  public static final Duration COMPONENT_RENEWAL = COMPONENT_LIFETIME.multipliedBy(4).dividedBy(5);

  private final CaKeyPair ca;
  private final Path dir;

  private ControlPlaneCa(CaKeyPair ca, Path dir) {
    this.ca = ca;
    this.dir = dir;
  }

  /**
   * The CA kept in {@code dir}, created there (owner-only key) when it is not there yet.
   *
   * @throws UncheckedIOException when the directory cannot be read or written
   */
  public static ControlPlaneCa loadOrCreate(Path dir, Instant now) {
    try {
      return loadOrCreateIn(dir, now);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the control-plane CA in " + dir, e);
    }
  }

  private static ControlPlaneCa loadOrCreateIn(Path dir, Instant now) throws IOException {
    Files.createDirectories(dir);
    Path cert = dir.resolve(CA_FILE);
    Path key = dir.resolve(CA_KEY_FILE);
    if (Files.exists(cert) && Files.exists(key)) {
      X509Certificate certificate = Pem.certificates(Files.readString(cert)).get(0);
      return new ControlPlaneCa(
          new CaKeyPair(certificate, Pem.privateKey(Files.readString(key))), dir);
    }
    SecureRandom random = new SecureRandom();
    KeyPair keys = WorkloadCertificates.newKey();
    X500Name subject = new X500Name("O=Chronomesh, CN=Chronomesh control plane CA");
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            Certificates.serial(random),
            Date.from(now.minus(RootCa.CLOCK_SKEW)),
            Date.from(now.plus(CA_LIFETIME)),
            subject,
            keys.getPublic());
    try {
      Certificates.addCaExtensions(builder, keys.getPublic());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not build the control-plane CA", e);
    }
    CaKeyPair created =
        new CaKeyPair(Certificates.sign(builder, keys.getPrivate()), keys.getPrivate());
    writeSecret(key, Pem.encode(created.privateKey()));
    Files.writeString(cert, Pem.encode(created.certificate()), StandardCharsets.US_ASCII);
    return new ControlPlaneCa(created, dir);
  }

  /** The component a gateway is: the only one the CA service signs for. */
  public static final String GATEWAY = "xds-gateway";

  /** A component's identity, a URI SAN of its certificate. */
  public static String identity(String component) {
    return "spiffe://chronomesh-control-plane/" + component;
  }

  /** Where the CA's certificate is: what proxies, agents and peers verify against. */
  public Path certificateFile() {
    return dir.resolve(CA_FILE);
  }

  public X509Certificate certificate() {
    return ca.certificate();
  }

  /** A component's certificate and key files. */
  public record Issued(Path certificateChain, Path privateKey) {}

  /**
   * Issues {@code component} a new key and certificate for server and client authentication, naming
   * {@code hosts} (DNS names, or IP addresses), and writes them into the CA's directory.
   */
  public Issued issue(String component, List<String> hosts, Instant now) {
    if (!component.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException("component must be lower-case letters, digits, dashes");
    }
    KeyPair keys = WorkloadCertificates.newKey();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            org.bouncycastle.asn1.x500.X500Name.getInstance(
                ca.certificate().getSubjectX500Principal().getEncoded()),
            Certificates.serial(new SecureRandom()),
            Date.from(now.minus(RootCa.CLOCK_SKEW)),
            Date.from(now.plus(COMPONENT_LIFETIME)),
            new X500Name("O=Chronomesh, CN=" + component),
            keys.getPublic());
    List<GeneralName> names = new ArrayList<>();
    for (String host : hosts) {
      names.add(
          isIpAddress(host)
              ? new GeneralName(GeneralName.iPAddress, host)
              : new GeneralName(GeneralName.dNSName, host));
    }
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity(component)));
    try {
      Certificates.addLeafExtensions(
          builder,
          ca.certificate(),
          KeyUsage.digitalSignature | KeyUsage.keyAgreement,
          new GeneralNames(names.toArray(GeneralName[]::new)),
          false);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not build the certificate of " + component, e);
    }
    X509Certificate certificate = Certificates.sign(builder, ca.privateKey());
    Issued files = issued(component);
    try {
      writeSecret(files.privateKey(), Pem.encode(keys.getPrivate()));
      Files.writeString(
          files.certificateChain(), Pem.encode(certificate), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the certificate of " + component, e);
    }
    return files;
  }

  /** The files {@link #issue} writes for {@code component}. */
  public Issued issued(String component) {
    return new Issued(dir.resolve(component + ".pem"), dir.resolve(component + "-key.pem"));
  }

  /** Whether {@code host} is an IPv4 or IPv6 literal (never a DNS lookup). */
  public static boolean isIpAddress(String host) {
    if (!host.matches("[0-9.]+|.*:.*")) {
      return false;
    }
    try {
      InetAddress.getByName(host);
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /**
   * Writes {@code text} into a file only its owner can read, created or replaced in one rename (a
   * component reading it meanwhile sees the old or the new text, never a missing or partial one).
   */
  private static void writeSecret(Path file, String text) throws IOException {
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.deleteIfExists(next);
    Files.createFile(
        next, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(next, text, StandardCharsets.US_ASCII);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
