package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.launcher.ChronomeshStack;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens and private keys stay secret (issue 16 item 9): after a mesh with a builtin CA, a user
 * Secret holding a private key, a user token, a dataplane token and a MeshIdentity's generated CA
 * went through the whole stack, the raw bytes of every topic and everything the stack logged hold
 * no private key (PEM or PKCS#8 DER) and no token.
 */
class SecretsStaySecretIT {
  /**
   * RSA's algorithm identifier followed by an OCTET STRING: a PKCS#8 private key (a certificate's
   * public key has a BIT STRING there).
   */
  private static final byte[] RSA_PKCS8 =
      HexFormat.of().parseHex("300d06092a864886f70d010101050004");

  /** The same for EC P-256 (id-ecPublicKey, prime256v1). */
  private static final byte[] EC_PKCS8_P256 =
      HexFormat.of().parseHex("301306072a8648ce3d020106082a8648ce3d03010704");

  @TempDir static Path dataDir;

  @Test
  void noTopicAndNoLogLineHoldsAPrivateKeyOrAToken() throws Exception {
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    PrintStream out = System.out;
    PrintStream err = System.err;
    System.setOut(new PrintStream(new Tee(out, logged), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(err, logged), true, StandardCharsets.UTF_8));
    List<String> tokens = new ArrayList<>();
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair appKey = g.generateKeyPair();
    String appKeyPem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(appKey.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    Map<String, byte[]> records;
    try (ChronomeshStack stack = LoopbackStack.start(dataDir)) {
      Rest admin = new Rest(stack.apiUrl(), stack.adminToken());
      tokens.add(stack.adminToken());
      assertThat(
              admin
                  .putYaml(
                      "/meshes/default",
                      """
                      type: Mesh
                      name: default
                      mtls:
                        enabledBackend: ca-1
                        backends:
                        - {name: ca-1, type: builtin}
                      """)
                  .statusCode())
          .isEqualTo(201);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> admin.get("/meshes/default/ca").statusCode() == 200);
      assertThat(
              admin
                  .putYaml(
                      "/meshes/default/secrets/app-key",
                      "type: Secret\nmesh: default\nname: app-key\ndata: "
                          + Base64.getEncoder()
                              .encodeToString(appKeyPem.getBytes(StandardCharsets.US_ASCII))
                          + "\n")
                  .statusCode())
          .isEqualTo(201);
      assertThat(
              admin
                  .putYaml(
                      "/meshes/default/dataplanes/web-1",
                      """
                      type: Dataplane
                      mesh: default
                      name: web-1
                      networking:
                        address: 127.0.0.1
                        inbound:
                        - port: 8080
                          tags: {kuma.io/service: web}
                      """)
                  .statusCode())
          .isEqualTo(201);
      tokens.add(XdsClients.dataplaneToken(admin, "default", "web-1", "web"));
      // A MeshIdentity whose CA the CA service generates: its key goes through the write path.
      assertThat(
              admin
                  .putYaml(
                      "/meshes/default/meshidentities/web-identity",
                      """
                      type: MeshIdentity
                      mesh: default
                      name: web-identity
                      spec:
                        selector: {dataplane: {matchLabels: {app: web}}}
                        provider:
                          type: Bundled
                          bundled: {autogenerate: {enabled: true}, insecureAllowSelfSigned: true}
                      """)
                  .statusCode())
          .isEqualTo(201);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> admin.get("/meshes/default/secrets/web-identity-root-ca").statusCode() == 200);
      assertThat(admin.get("/meshes/default/secrets/web-identity-private-key").body())
          .doesNotContain("\"data\"");
      var user = admin.post("/tokens/user", "{\"name\":\"jane\",\"role\":\"admin\"}");
      assertThat(user.statusCode()).as(user.body()).isEqualTo(200);
      tokens.add(user.body().strip());
      // The API shows the user's secret to an admin (as Kuma), never the CA's key.
      assertThat(admin.get("/meshes/default/secrets/default.ca-builtin-key-ca-1").body())
          .doesNotContain("\"data\"");
      // Its config projected: the projector's topics hold what it made of the mesh too.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> admin.get("/meshes/default/dataplanes/web-1/_config").statusCode() == 200);
      records = readEveryTopic(stack.bootstrapServers());
    } finally {
      System.setOut(out);
      System.setErr(err);
    }

    List<String> leaks = new ArrayList<>();
    byte[] appDer = appKey.getPrivate().getEncoded();
    String appDerBase64 = Base64.getEncoder().encodeToString(appDer);
    assertThat(records.keySet().stream().map(k -> k.split("@")[0]).collect(Collectors.toSet()))
        .contains("chronomesh.events", "chronomesh.commands", "chronomesh.proxy-configs");
    records.forEach(
        (where, bytes) -> {
          String why = leak(bytes, appDer, appDerBase64, tokens);
          if (why != null) {
            leaks.add(where + ": " + why);
          }
        });
    String why = leak(logged.toByteArray(), appDer, appDerBase64, tokens);
    if (why != null) {
      leaks.add("the stack's log: " + why);
    }
    assertThat(logged.size()).as("something was logged").isPositive();
    // The detector itself finds what it looks for.
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    assertThat(leak(rsa.generateKeyPair().getPrivate().getEncoded(), appDer, appDerBase64, tokens))
        .isNotNull();
    assertThat(leak(appDer, appDer, appDerBase64, tokens)).isNotNull();
    assertThat(leak(appKeyPem.getBytes(StandardCharsets.US_ASCII), appDer, appDerBase64, tokens))
        .isNotNull();
    for (String token : tokens) {
      assertThat(leak(token.getBytes(StandardCharsets.US_ASCII), appDer, appDerBase64, tokens))
          .isNotNull();
    }
    assertThat(leaks).isEmpty();
  }

  /** Why {@code bytes} leak a secret, or null. */
  private static String leak(
      byte[] bytes, byte[] appDer, String appDerBase64, List<String> tokens) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    if (text.contains("PRIVATE KEY-----")) {
      return "a PEM private key";
    }
    if (indexOf(bytes, RSA_PKCS8) >= 0) {
      return "an RSA private key (PKCS#8 DER)";
    }
    if (indexOf(bytes, EC_PKCS8_P256) >= 0 || indexOf(bytes, appDer) >= 0) {
      return "an EC private key (PKCS#8 DER)";
    }
    if (text.contains(appDerBase64.substring(0, 40))) {
      return "the user's private key in base64";
    }
    for (String token : tokens) {
      String signature = token.substring(token.lastIndexOf('.') + 1);
      if (text.contains(token) || (signature.length() > 20 && text.contains(signature))) {
        return "a token";
      }
    }
    return null;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Every record of every topic, key, value and headers concatenated, by topic@partition. */
  private static Map<String, byte[]> readEveryTopic(String bootstrap) throws Exception {
    Set<String> topics;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
    }
    Map<String, Object> props =
        Map.of(
            "bootstrap.servers",
            bootstrap,
            "isolation.level",
            "read_uncommitted",
            "enable.auto.commit",
            false);
    Map<String, ByteArrayOutputStream> out = new java.util.TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        consumer
            .partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  ByteArrayOutputStream b =
                      out.computeIfAbsent(
                          r.topic() + "@" + r.partition(), k -> new ByteArrayOutputStream());
                  if (r.key() != null) {
                    b.write(r.key());
                  }
                  if (r.value() != null) {
                    b.write(r.value());
                  }
                  for (Header h : r.headers()) {
                    b.write(h.key().getBytes(StandardCharsets.UTF_8));
                    if (h.value() != null) {
                      b.write(h.value());
                    }
                  }
                }
                return end.entrySet().stream()
                    .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
              });
    }
    Map<String, byte[]> result = new java.util.TreeMap<>();
    out.forEach((k, v) -> result.put(k, v.toByteArray()));
    return result;
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      synchronized (b) {
        b.write(c);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }
  }
}
