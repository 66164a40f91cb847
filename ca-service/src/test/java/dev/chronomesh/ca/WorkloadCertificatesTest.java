package dev.chronomesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorkloadCertificatesTest {
  private static CaKeyPair ca;

  @BeforeAll
  static void createCa() {
    ca = RootCa.create("default", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
  }

  @Test
  void issuesKumasWorkloadCertificateForTheRequestsKeyOnly() throws Exception {
    KeyPair keys = Csrs.ec("secp256r1");
    // The request asks for a name of its own choosing: ignored.
    byte[] csr = Csrs.csr(keys, "CN=admin,O=evil");
    List<String> uris =
        List.of("spiffe://default/web", "kuma://kuma.io/service/web", "kuma://version/v1");

    X509Certificate cert =
        WorkloadCertificates.issue(
            ca,
            WorkloadCertificates.verifiedKey(csr),
            uris,
            Duration.ofHours(1),
            TestMeshes.T0,
            new SecureRandom());

    assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(cert.getSubjectX500Principal().getName()).isEmpty();
    assertThat(cert.getSubjectAlternativeNames())
        .containsExactly(List.of(6, uris.get(0)), List.of(6, uris.get(1)), List.of(6, uris.get(2)));
    assertThat(cert.getCriticalExtensionOIDs()).contains("2.5.29.17");
    assertThat(cert.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    // digitalSignature (0), keyEncipherment (2), keyAgreement (4).
    assertThat(cert.getKeyUsage())
        .containsExactly(true, false, true, false, true, false, false, false, false);
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(TestMeshes.T0.plus(Duration.ofHours(1)));

    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(TestMeshes.T0.plusSeconds(60)));
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(cert)), params);
  }

  @Test
  void acceptsRsaKeysOf2048BitsOrMore() throws Exception {
    assertThat(WorkloadCertificates.verifiedKey(Csrs.csr(Csrs.rsa(2048), "CN=x"))).isNotNull();
  }

  @Test
  void refusesRequestsThatProveNothingOrUseWeakKeys() throws Exception {
    assertThatThrownBy(() -> WorkloadCertificates.verifiedKey(new byte[0]))
        .hasMessage("csr_der: must be a DER-encoded PKCS#10 request");
    assertThatThrownBy(() -> WorkloadCertificates.verifiedKey(new byte[] {0x30, 0x03, 1, 2, 3}))
        .hasMessageStartingWith("csr_der: not a DER-encoded PKCS#10 request");
    byte[] tampered = Csrs.csr(Csrs.ec("secp256r1"), "CN=x");
    tampered[tampered.length - 5] ^= 0x01;
    assertThatThrownBy(() -> WorkloadCertificates.verifiedKey(tampered))
        .hasMessageStartingWith("csr_der: ");
    assertThatThrownBy(() -> WorkloadCertificates.verifiedKey(Csrs.csr(Csrs.rsa(1024), "CN=x")))
        .hasMessage("csr_der: an RSA key of 1024 bits; at least 2048 are needed");
  }

  @Test
  void aRequestFromNewKeyIsSignedForThatKeyAndRenewedAtFourFifths() throws Exception {
    KeyPair keys = WorkloadCertificates.newKey();
    X509Certificate cert =
        WorkloadCertificates.issue(
            ca,
            WorkloadCertificates.verifiedKey(WorkloadCertificates.signingRequest(keys, "web-1")),
            List.of("spiffe://default/web"),
            Duration.ofHours(1),
            TestMeshes.T0,
            new SecureRandom());
    assertThat(WorkloadCertificates.isKeyOf(keys.getPrivate(), cert)).isTrue();
    assertThat(WorkloadCertificates.isKeyOf(WorkloadCertificates.newKey().getPrivate(), cert))
        .isFalse();
    assertThat(WorkloadCertificates.renewAt(TestMeshes.T0, TestMeshes.T0.plusSeconds(100)))
        .isEqualTo(TestMeshes.T0.plusSeconds(80));
    // Kuma's default lifetime, 24 h: renewed after 19 h 12 min.
    assertThat(WorkloadCertificates.renewAt(TestMeshes.T0, TestMeshes.T0.plusSeconds(24 * 3600)))
        .isEqualTo(TestMeshes.T0.plusSeconds(19 * 3600 + 12 * 60));
  }
}
