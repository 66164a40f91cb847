package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's gRPC port over TLS with a provided certificate; plaintext refused off loopback. */
class GatewayTlsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void servesTlsWithAProvidedCertificateAndRefusesPlaintextClients() throws Exception {
    Path cert = dir.resolve("gateway.pem");
    Path key = dir.resolve("gateway.key");
    selfSigned(cert, key);
    Topics topics = new Topics("tls.");
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().deleteOnClose(true).start()) {
      Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
      TopicSetup.ensureTopics(props, topics, 1, (short) 1);
      try (XdsGateway gateway =
          XdsGateway.start(
              new XdsGatewayConfig(
                  "127.0.0.1",
                  0,
                  props,
                  topics,
                  new InMemorySchemaRegistry(),
                  XdsGatewayOptions.DEFAULTS.withTls(cert, key)))) {
        await().atMost(WAIT).until(gateway::isReady);
        ManagedChannel tls =
            Grpc.newChannelBuilderForAddress(
                    "127.0.0.1",
                    gateway.port(),
                    TlsChannelCredentials.newBuilder().trustManager(cert.toFile()).build())
                .build();
        ManagedChannel plain =
            Grpc.newChannelBuilderForAddress(
                    "127.0.0.1", gateway.port(), InsecureChannelCredentials.create())
                .build();
        try {
          assertThat(health(tls)).isEqualTo(ServingStatus.SERVING);
          assertThatThrownBy(() -> health(plain)).isInstanceOf(StatusRuntimeException.class);
        } finally {
          for (ManagedChannel c : List.of(tls, plain)) {
            c.shutdownNow();
            c.awaitTermination(10, TimeUnit.SECONDS);
          }
        }
      }
    }
  }

  @Test
  void refusesPlaintextOnANonLoopbackAddress() {
    XdsGatewayConfig config =
        new XdsGatewayConfig(
            "0.0.0.0",
            0,
            Map.of("bootstrap.servers", "127.0.0.1:9"),
            new Topics("none."),
            new InMemorySchemaRegistry());
    assertThatThrownBy(() -> XdsGateway.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plaintext only on a loopback address");
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /** A self-signed certificate for 127.0.0.1 from the JDK's keytool, written as PEM. */
  private void selfSigned(Path certPem, Path keyPem) throws Exception {
    Path store = dir.resolve("gateway.p12");
    String keytool =
        Path.of(System.getProperty("java.home"), "bin", "keytool").toAbsolutePath().toString();
    Process p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "gateway",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=chronomesh-gateway",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey("gateway", "changeit".toCharArray());
    Certificate cert = ks.getCertificate("gateway");
    Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
