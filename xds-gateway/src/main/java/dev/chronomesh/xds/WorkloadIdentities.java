package dev.chronomesh.xds;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.protobuf.ByteString;
import dev.chronomesh.ca.Pem;
import dev.chronomesh.ca.WorkloadCertificates;
import dev.chronomesh.ca.v1.GetTrustBundleRequest;
import dev.chronomesh.ca.v1.GetTrustBundleResponse;
import dev.chronomesh.ca.v1.SignWorkloadCertificateRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identities of the Envoy sidecars connected to this gateway whose config names an identity
 * secret ({@link SdsSecrets#identityMesh}): for each, a key made here and held in memory only
 * (never written, never logged), a certificate the CA service signs for the node's {@code (mesh,
 * dataplane)}, and the two SDS secrets built from them, handed to a {@link Sink} that puts them in
 * the node's snapshot. Renewed with a new key on the {@link RenewalSchedule}; a failure is retried
 * with backoff and logged once per kind until it changes. A node that is {@linkplain #drop dropped}
 * (disconnected, or its config no longer names the secret) is forgotten with its key, and a signing
 * still under way for it is discarded when it returns.
 *
 * <p>Every change of state runs on one thread of its own (key generation included), never on a gRPC
 * or Kafka thread: {@link #want} and {@link #drop} only enqueue, so they may be called under {@link
 * NodeSnapshots}' monitor.
 */
final class WorkloadIdentities implements NodeSnapshots.Identities, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadIdentities.class);

  /** Has a request signed: the CA service through the gateway's client. */
  interface Signer {
    void sign(
        SignWorkloadCertificateRequest request,
        StreamObserver<SignWorkloadCertificateResponse> response);
  }

  /** Fetches a mesh's trust bundle: the CA service through the gateway's client. */
  interface Bundles {
    void fetch(GetTrustBundleRequest request, StreamObserver<GetTrustBundleResponse> response);
  }

  /** Takes a node's new secrets; called on this class's thread. */
  interface Sink {
    void secrets(String nodeId, SdsSecrets.Set secrets);
  }

  /** One node's identity. Confined to {@link #executor}. */
  private static final class Identity {
    final String nodeId;
    final String mesh;
    ScheduledFuture<?> next;
    int failures;
    String lastFailure;

    /** What was last served, kept to serve a new trust bundle with the same identity. */
    String certificatePem;

    String privateKeyPem;
    String trustBundlePem;

    /** The mesh's identities version the certificate was signed under (or asked for since). */
    String identitiesVersion;

    Identity(String nodeId, String mesh) {
      this.nodeId = nodeId;
      this.mesh = mesh;
    }
  }

  /**
   * How often each mesh's trust bundle is fetched between renewals, as {@code dp-agent} does: the
   * CA service signs with a new CA only 30 s after it joined the bundle ({@code
   * MeshCas.TRUST_PROPAGATION}).
   */
  static final Duration BUNDLE_REFRESH = Duration.ofSeconds(10);

  private final Signer signer;
  private final Bundles bundles;
  private final Sink sink;
  private final Clock clock;
  private final ScheduledExecutorService executor;

  /** Node id → identity. Confined to {@link #executor}. */
  private final Map<String, Identity> identities = new HashMap<>();

  /** Meshes whose bundle is being fetched. Confined to {@link #executor}. */
  private final Set<String> fetching = new HashSet<>();

  WorkloadIdentities(
      Signer signer, Bundles bundles, Sink sink, Clock clock, Duration bundleRefresh) {
    this.signer = Objects.requireNonNull(signer, "signer");
    this.bundles = Objects.requireNonNull(bundles, "bundles");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setNameFormat("xds-sds-%d").setDaemon(true).build());
    executor.scheduleWithFixedDelay(
        this::refreshBundles,
        bundleRefresh.toMillis(),
        bundleRefresh.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Fetches the bundle of every mesh with a served identity (once per mesh, for one of its nodes)
   * and serves a changed one to all its nodes with their identities unchanged: a new backend's CA
   * is trusted before any peer presents a certificate it signed.
   */
  private void refreshBundles() {
    Map<String, Identity> oneByMesh = new HashMap<>();
    for (Identity identity : identities.values()) {
      if (identity.trustBundlePem != null) {
        oneByMesh.putIfAbsent(identity.mesh, identity);
      }
    }
    oneByMesh.forEach(
        (mesh, identity) -> {
          if (!fetching.add(mesh)) {
            return; // the last fetch has not answered yet
          }
          GetTrustBundleRequest request =
              GetTrustBundleRequest.newBuilder()
                  .setMesh(mesh)
                  .setDataplane(identity.nodeId.substring(mesh.length() + 1))
                  .build();
          try {
            bundles.fetch(
                request,
                new StreamObserver<>() {
                  private String bundle;
                  private String version;

                  @Override
                  public void onNext(GetTrustBundleResponse value) {
                    bundle = value.getTrustBundlePem();
                    version = value.getIdentitiesVersion();
                  }

                  @Override
                  public void onError(Throwable t) {
                    runHere(
                        () -> {
                          fetching.remove(mesh);
                          LOG.debug(
                              "Fetching the trust bundle failed mesh={}: {}", mesh, t.toString());
                        });
                  }

                  @Override
                  public void onCompleted() {
                    String fetched = bundle;
                    String fetchedVersion = version;
                    runHere(
                        () -> {
                          fetching.remove(mesh);
                          serveBundle(mesh, fetched);
                          renewChangedIdentities(mesh, fetchedVersion);
                        });
                  }
                });
          } catch (RuntimeException e) {
            fetching.remove(mesh);
            LOG.debug("Fetching the trust bundle failed mesh={}: {}", mesh, e.toString());
          }
        });
  }

  /**
   * Has every node of {@code mesh} whose certificate was signed under another identities version
   * signed anew (a MeshIdentity was written, deleted or became usable): its SPIFFE ID may have
   * changed, and waiting for its renewal time could take most of a day.
   */
  private void renewChangedIdentities(String mesh, String version) {
    if (version == null) {
      return;
    }
    int renewed = 0;
    for (Identity identity : identities.values()) {
      if (identity.mesh.equals(mesh)
          && identity.certificatePem != null
          && !version.equals(identity.identitiesVersion)) {
        identity.identitiesVersion = version;
        cancel(identity);
        attempt(identity);
        renewed++;
      }
    }
    if (renewed > 0) {
      LOG.info("Mesh identities changed mesh={} nodes={}: renewing now", mesh, renewed);
    }
  }

  private void serveBundle(String mesh, String bundle) {
    if (bundle == null || bundle.isEmpty()) {
      return;
    }
    int served = 0;
    for (Identity identity : identities.values()) {
      if (identity.mesh.equals(mesh)
          && identity.trustBundlePem != null
          && !identity.trustBundlePem.equals(bundle)) {
        identity.trustBundlePem = bundle;
        sink.secrets(
            identity.nodeId,
            SdsSecrets.of(mesh, identity.certificatePem, identity.privateKeyPem, bundle));
        served++;
      }
    }
    if (served > 0) {
      LOG.info("Trust bundle updated mesh={} nodes={}", mesh, served);
    }
  }

  /**
   * Node {@code nodeId} ({@code <mesh>.<dataplane>}) needs its identity in {@code mesh}: signed at
   * once unless it has one (or one is under way) in that mesh.
   */
  @Override
  public void want(String nodeId, String mesh) {
    executor.execute(
        () -> {
          Identity current = identities.get(nodeId);
          if (current != null && current.mesh.equals(mesh)) {
            return;
          }
          if (current != null) {
            cancel(current);
          }
          Identity identity = new Identity(nodeId, mesh);
          identities.put(nodeId, identity);
          attempt(identity);
        });
  }

  /** Forgets the node's identity and key; stops renewing it. */
  @Override
  public void drop(String nodeId) {
    executor.execute(
        () -> {
          Identity identity = identities.remove(nodeId);
          if (identity != null) {
            cancel(identity);
            LOG.debug("Workload identity dropped node={}", nodeId);
          }
        });
  }

  /** How many nodes have an identity (signed or under way); for tests, waits for queued changes. */
  int size() {
    try {
      return executor.submit(identities::size).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  private static void cancel(Identity identity) {
    if (identity.next != null) {
      identity.next.cancel(false);
    }
  }

  private boolean current(Identity identity) {
    return identities.get(identity.nodeId) == identity;
  }

  /** Makes a key and asks for its certificate; the answer comes back to this thread. */
  private void attempt(Identity identity) {
    if (!current(identity)) {
      return;
    }
    identity.next = null;
    String dataplane = identity.nodeId.substring(identity.mesh.length() + 1);
    KeyPair key = WorkloadCertificates.newKey();
    SignWorkloadCertificateRequest request =
        SignWorkloadCertificateRequest.newBuilder()
            .setMesh(identity.mesh)
            .setDataplane(dataplane)
            .setCsrDer(ByteString.copyFrom(WorkloadCertificates.signingRequest(key, dataplane)))
            .build();
    try {
      signer.sign(
          request,
          new StreamObserver<>() {
            private SignWorkloadCertificateResponse answer;

            @Override
            public void onNext(SignWorkloadCertificateResponse value) {
              answer = value;
            }

            @Override
            public void onError(Throwable t) {
              runHere(() -> failed(identity, Status.fromThrowable(t)));
            }

            @Override
            public void onCompleted() {
              SignWorkloadCertificateResponse signed = answer;
              runHere(() -> signed(identity, key, signed));
            }
          });
    } catch (RuntimeException e) {
      failed(identity, Status.fromThrowable(e));
    }
  }

  private void runHere(Runnable task) {
    try {
      executor.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closed: the gateway is stopping, the answer has nobody left to serve.
    }
  }

  private void signed(Identity identity, KeyPair key, SignWorkloadCertificateResponse signed) {
    if (!current(identity)) {
      return; // dropped or replaced while the CA was signing: the key goes with this frame
    }
    X509Certificate cert;
    SdsSecrets.Set secrets;
    try {
      cert = Pem.certificates(signed.getCertificatePem()).get(0);
      if (!WorkloadCertificates.isKeyOf(key.getPrivate(), cert)) {
        failed(identity, Status.INTERNAL.withDescription("the certificate is not for our key"));
        return;
      }
      secrets =
          SdsSecrets.of(
              identity.mesh,
              signed.getCertificatePem(),
              Pem.encode(key.getPrivate()),
              signed.getTrustBundlePem());
    } catch (RuntimeException e) {
      failed(identity, Status.INTERNAL.withDescription("unreadable answer: " + e.getMessage()));
      return;
    }
    Duration wait =
        RenewalSchedule.untilRenewal(
            clock.instant(), cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
    LOG.info(
        "Workload certificate signed node={} identities={} notAfter={} renewIn={}{}",
        identity.nodeId,
        signed.getUriSansList(),
        cert.getNotAfter().toInstant(),
        wait,
        identity.lastFailure == null ? "" : " after failures=" + identity.failures);
    identity.failures = 0;
    identity.lastFailure = null;
    identity.certificatePem = signed.getCertificatePem();
    identity.privateKeyPem = Pem.encode(key.getPrivate());
    identity.trustBundlePem = signed.getTrustBundlePem();
    identity.identitiesVersion = signed.getIdentitiesVersion();
    sink.secrets(identity.nodeId, secrets);
    identity.next = schedule(identity, wait);
  }

  private void failed(Identity identity, Status status) {
    if (!current(identity)) {
      return;
    }
    identity.failures++;
    Duration wait = RenewalSchedule.retryAfter(identity.failures);
    // Transport failures carry changing details (addresses, elapsed times): their code is the kind.
    String kind =
        status.getCode() == Status.Code.UNAVAILABLE
                || status.getCode() == Status.Code.DEADLINE_EXCEEDED
            ? status.getCode().toString()
            : status.getCode() + ": " + status.getDescription();
    if (!kind.equals(identity.lastFailure)) {
      LOG.warn(
          "Signing a workload certificate failed node={} retryIn={} (logged again when the reason"
              + " changes): {}",
          identity.nodeId,
          wait,
          kind);
      identity.lastFailure = kind;
    } else {
      LOG.debug(
          "Signing a workload certificate failed again node={} failures={} retryIn={}",
          identity.nodeId,
          identity.failures,
          wait);
    }
    identity.next = schedule(identity, wait);
  }

  private ScheduledFuture<?> schedule(Identity identity, Duration wait) {
    return executor.schedule(() -> attempt(identity), wait.toMillis(), TimeUnit.MILLISECONDS);
  }
}
