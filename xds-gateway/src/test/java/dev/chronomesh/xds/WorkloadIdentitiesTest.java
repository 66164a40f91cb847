package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.ca.BuiltinCaConf;
import dev.chronomesh.ca.CaKeyPair;
import dev.chronomesh.ca.Pem;
import dev.chronomesh.ca.RootCa;
import dev.chronomesh.ca.WorkloadCertificates;
import dev.chronomesh.ca.v1.GetTrustBundleRequest;
import dev.chronomesh.ca.v1.GetTrustBundleResponse;
import dev.chronomesh.ca.v1.SignWorkloadCertificateRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateResponse;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkloadIdentitiesTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final CaKeyPair CA =
      RootCa.create("demo", BuiltinCaConf.DEFAULT, Clock.systemUTC().instant(), RANDOM);

  private record Delivered(String nodeId, SdsSecrets.Set secrets) {}

  private final BlockingQueue<Delivered> delivered = new LinkedBlockingQueue<>();
  private final List<SignWorkloadCertificateRequest> requests = new CopyOnWriteArrayList<>();
  private WorkloadIdentities identities;

  @AfterEach
  void close() {
    if (identities != null) {
      identities.close();
    }
  }

  /** The trust bundle the CA service answers: the signing CA's until a test changes it. */
  private final AtomicReference<String> bundle =
      new AtomicReference<>(Pem.encode(CA.certificate()));

  private final List<GetTrustBundleRequest> bundleRequests = new CopyOnWriteArrayList<>();

  /** The mesh's identities version the CA service answers, in bundles and signatures. */
  private final AtomicReference<String> identitiesVersion = new AtomicReference<>("");

  private WorkloadIdentities start(WorkloadIdentities.Signer signer) {
    identities =
        new WorkloadIdentities(
            signer,
            (request, response) -> {
              bundleRequests.add(request);
              response.onNext(
                  GetTrustBundleResponse.newBuilder()
                      .setTrustBundlePem(bundle.get())
                      .setIdentitiesVersion(identitiesVersion.get())
                      .build());
              response.onCompleted();
            },
            (node, s) -> delivered.add(new Delivered(node, s)),
            Clock.systemUTC(),
            Duration.ofMillis(100));
    return identities;
  }

  /** Signs as the CA service does, for {@code lifetime}. */
  private WorkloadIdentities.Signer ca(Duration lifetime) {
    return (request, response) -> {
      requests.add(request);
      X509Certificate cert =
          WorkloadCertificates.issue(
              CA,
              WorkloadCertificates.verifiedKey(request.getCsrDer().toByteArray()),
              List.of("spiffe://demo/web", "kuma://kuma.io/service/web"),
              lifetime,
              Clock.systemUTC().instant(),
              RANDOM);
      response.onNext(
          SignWorkloadCertificateResponse.newBuilder()
              .setCertificatePem(Pem.encode(cert))
              .setTrustBundlePem(Pem.encode(CA.certificate()))
              .setExpiresAtMs(cert.getNotAfter().getTime())
              .setIdentitiesVersion(identitiesVersion.get())
              .build());
      response.onCompleted();
    };
  }

  @Test
  void aChangeOfTheMeshsIdentitiesRenewsEveryNodeOfItsMeshAtOnce() throws Exception {
    start(ca(Duration.ofHours(1)));
    identities.want("demo.web-1", "demo");
    identities.want("demo.backend-1", "demo");
    assertThat(delivered.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(delivered.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(delivered.poll(500, TimeUnit.MILLISECONDS)).as("same version: nothing new").isNull();
    assertThat(requests).hasSize(2);

    identitiesVersion.set("a MeshIdentity changed");
    List<Delivered> renewed =
        List.of(delivered.poll(10, TimeUnit.SECONDS), delivered.poll(10, TimeUnit.SECONDS));
    assertThat(renewed)
        .extracting(Delivered::nodeId)
        .containsExactlyInAnyOrder("demo.web-1", "demo.backend-1");
    assertThat(requests).hasSize(4);
    assertThat(delivered.poll(500, TimeUnit.MILLISECONDS)).as("once per change").isNull();
  }

  @Test
  void signsAKeyOfItsOwnAndRenewsItWithANewKeyAtFourFifths() throws Exception {
    // Valid 10 s before signing (the CA's backdating) + 5 s: renewed 2 s after signing.
    start(ca(Duration.ofSeconds(5))).want("demo.web-1", "demo");

    Delivered first = delivered.poll(10, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.nodeId()).isEqualTo("demo.web-1");
    assertThat(requests.get(0).getMesh()).isEqualTo("demo");
    assertThat(requests.get(0).getDataplane()).isEqualTo("web-1");
    X509Certificate firstCert = keyMatchesCertificate(first.secrets());
    assertThat(bundle(first.secrets())).isEqualTo(Pem.encode(CA.certificate()));

    Delivered second = delivered.poll(10, TimeUnit.SECONDS);
    assertThat(second).isNotNull();
    X509Certificate secondCert = keyMatchesCertificate(second.secrets());
    assertThat(secondCert.getPublicKey()).isNotEqualTo(firstCert.getPublicKey());
    assertThat(second.secrets().version()).isNotEqualTo(first.secrets().version());
  }

  @Test
  void retriesWhenTheCaFailsAndServesOnceItAnswers() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    WorkloadIdentities.Signer ca = ca(Duration.ofHours(1));
    start(
            (request, response) -> {
              if (calls.incrementAndGet() <= 2) {
                response.onError(Status.UNAVAILABLE.withDescription("down").asException());
              } else {
                ca.sign(request, response);
              }
            })
        .want("demo.web-1", "demo");

    Delivered d = delivered.poll(10, TimeUnit.SECONDS);
    assertThat(d).isNotNull();
    assertThat(calls.get()).isEqualTo(3);
    keyMatchesCertificate(d.secrets());
    assertThat(delivered.poll(1500, TimeUnit.MILLISECONDS)).as("renewed only in 48 min").isNull();
  }

  @Test
  void aDroppedNodeGetsNothingAndIsForgotten() throws Exception {
    BlockingQueue<Runnable> answers = new LinkedBlockingQueue<>();
    WorkloadIdentities.Signer ca = ca(Duration.ofHours(1));
    start((request, response) -> answers.add(() -> ca.sign(request, response)))
        .want("demo.web-1", "demo");
    Runnable answer = answers.poll(10, TimeUnit.SECONDS);
    assertThat(answer).isNotNull();

    identities.drop("demo.web-1");
    answer.run();

    assertThat(identities.size()).isZero();
    assertThat(delivered.poll(500, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void wantingTheSameMeshAgainSignsOnce() throws Exception {
    start(ca(Duration.ofHours(1)));
    identities.want("demo.web-1", "demo");
    identities.want("demo.web-1", "demo");
    assertThat(delivered.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(identities.size()).isEqualTo(1);
    assertThat(requests).hasSize(1);
  }

  @Test
  void aNewTrustBundleIsServedToEveryNodeOfItsMeshWithTheSameIdentity() throws Exception {
    start(ca(Duration.ofHours(1)));
    identities.want("demo.web-1", "demo");
    identities.want("demo.backend-1", "demo");
    Delivered web = null;
    Delivered backend = null;
    for (int i = 0; i < 2; i++) {
      Delivered d = delivered.poll(10, TimeUnit.SECONDS);
      assertThat(d).isNotNull();
      if (d.nodeId().equals("demo.web-1")) {
        web = d;
      } else {
        backend = d;
      }
    }
    assertThat(delivered.poll(500, TimeUnit.MILLISECONDS)).as("same bundle: nothing new").isNull();

    CaKeyPair next =
        RootCa.create("demo", BuiltinCaConf.DEFAULT, Clock.systemUTC().instant(), RANDOM);
    String both = Pem.encodeAll(List.of(CA.certificate(), next.certificate()));
    bundle.set(both);

    List<Delivered> updated =
        List.of(delivered.poll(10, TimeUnit.SECONDS), delivered.poll(10, TimeUnit.SECONDS));
    assertThat(updated)
        .extracting(Delivered::nodeId)
        .containsExactlyInAnyOrder("demo.web-1", "demo.backend-1");
    for (Delivered d : updated) {
      assertThat(bundle(d.secrets())).isEqualTo(both);
      Delivered before = d.nodeId().equals("demo.web-1") ? web : backend;
      assertThat(d.secrets().resources().get(0).resource())
          .as("the identity is unchanged")
          .isEqualTo(before.secrets().resources().get(0).resource());
    }
    // Fetched for the mesh the identities are in.
    assertThat(bundleRequests).extracting(GetTrustBundleRequest::getMesh).containsOnly("demo");
    assertThat(delivered.poll(500, TimeUnit.MILLISECONDS)).isNull();
  }

  private static X509Certificate keyMatchesCertificate(SdsSecrets.Set secrets) throws Exception {
    Secret identity = secrets.resources().get(0).resource();
    X509Certificate cert =
        Pem.certificates(
                identity
                    .getTlsCertificate()
                    .getCertificateChain()
                    .getInlineBytes()
                    .toString(StandardCharsets.US_ASCII))
            .get(0);
    PrivateKey key =
        Pem.privateKey(
            identity
                .getTlsCertificate()
                .getPrivateKey()
                .getInlineBytes()
                .toString(StandardCharsets.US_ASCII));
    assertThat(WorkloadCertificates.isKeyOf(key, cert)).as("the key is the certificate's").isTrue();
    cert.verify(CA.certificate().getPublicKey());
    return cert;
  }

  private static String bundle(SdsSecrets.Set secrets) {
    return secrets
        .resources()
        .get(1)
        .resource()
        .getValidationContext()
        .getTrustedCa()
        .getInlineBytes()
        .toString(StandardCharsets.US_ASCII);
  }
}
