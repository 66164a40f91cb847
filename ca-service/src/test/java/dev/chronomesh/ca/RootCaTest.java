package dev.chronomesh.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RootCaTest {

  @Test
  void createsKumasBuiltinRootForTheMesh() throws Exception {
    CaKeyPair ca =
        RootCa.create(
            "default",
            BuiltinCaConf.parse("{\"caCert\":{\"RSAbits\":2048,\"expiration\":\"1y\"}}"),
            TestMeshes.T0,
            new SecureRandom());
    X509Certificate cert = ca.certificate();

    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=default,OU=Mesh,O=Kuma");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    cert.verify(cert.getPublicKey());
    assertThat(cert.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    // keyCertSign (5) and cRLSign (6) only.
    assertThat(cert.getKeyUsage())
        .containsExactly(false, false, false, false, false, true, true, false, false);
    assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://default"));
    assertThat(cert.getNotBefore().toInstant()).isEqualTo(TestMeshes.T0.minusSeconds(10));
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(TestMeshes.T0.plus(Duration.ofDays(365)));
    assertThat(((RSAPublicKey) cert.getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
    assertThat(cert.getSerialNumber().signum()).isPositive();
  }

  @Test
  void defaultsAreKumas() {
    assertThat(BuiltinCaConf.parse(null)).isEqualTo(BuiltinCaConf.DEFAULT);
    assertThat(BuiltinCaConf.parse("{}")).isEqualTo(BuiltinCaConf.DEFAULT);
    assertThat(BuiltinCaConf.DEFAULT.rsaBits()).isEqualTo(2048);
    assertThat(BuiltinCaConf.DEFAULT.expiration()).isEqualTo(Duration.ofDays(3650));
    assertThat(BuiltinCaConf.parse("{\"caCert\":{\"RSAbits\":3072}}").rsaBits()).isEqualTo(3072);
  }

  @Test
  void keysAndCertificatesSurvivePem() {
    CaKeyPair ca = RootCa.create("m", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
    assertThat(Pem.certificates(Pem.encode(ca.certificate()))).containsExactly(ca.certificate());
    assertThat(Pem.privateKey(Pem.encode(ca.privateKey()))).isEqualTo(ca.privateKey());
  }
}
