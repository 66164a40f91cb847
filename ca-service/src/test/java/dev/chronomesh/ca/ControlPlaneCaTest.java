package dev.chronomesh.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneCaTest {
  @TempDir Path dir;

  @Test
  void isCreatedOnceAndIssuesServerAndClientCertificatesForItsComponents() throws Exception {
    ControlPlaneCa first = ControlPlaneCa.loadOrCreate(dir, TestMeshes.T0);
    ControlPlaneCa again = ControlPlaneCa.loadOrCreate(dir, TestMeshes.T0.plusSeconds(60));
    assertThat(again.certificate()).as("kept across starts").isEqualTo(first.certificate());
    assertThat(owner(dir.resolve("ca-key.pem"))).isEqualTo("rw-------");
    assertThat(first.certificate().getBasicConstraints()).isNotNegative();

    ControlPlaneCa.Issued gateway =
        again.issue("xds-gateway", List.of("localhost", "127.0.0.1", "gw.example"), TestMeshes.T0);
    X509Certificate cert = Pem.certificates(Files.readString(gateway.certificateChain())).get(0);
    cert.verify(first.certificate().getPublicKey());
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"); // server, client auth
    assertThat(cert.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(2, "localhost"),
            List.of(7, "127.0.0.1"),
            List.of(2, "gw.example"),
            List.of(6, "spiffe://chronomesh-control-plane/xds-gateway"));
    assertThat(owner(gateway.privateKey())).isEqualTo("rw-------");
    assertThat(
            WorkloadCertificates.isKeyOf(
                Pem.privateKey(Files.readString(gateway.privateKey())), cert))
        .isTrue();
  }

  private static String owner(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }
}
