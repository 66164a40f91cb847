package dev.chronomesh.ca;

import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.ca.v1.GetTrustBundleRequest;
import dev.chronomesh.ca.v1.GetTrustBundleResponse;
import dev.chronomesh.ca.v1.SignWorkloadCertificateRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateResponse;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceIdentity;
import dev.chronomesh.meshmodel.Sealer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The gRPC face of the CA: checks the request, asks {@link MeshCas} what the mesh's state allows
 * the dataplane, and signs. Every instance can sign for every mesh: all it needs is the mesh's
 * state and the key-encryption key that opens the CA's sealed key.
 */
public final class CertificateAuthorityService
    extends CertificateAuthorityGrpc.CertificateAuthorityImplBase {
  private static final int MAX_CSR_BYTES = 16 * 1024;

  private final Function<String, MeshState> meshes;
  private final Sealer sealer;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param meshes the current state of a mesh by name (an empty state when it does not exist)
   */
  public CertificateAuthorityService(
      Function<String, MeshState> meshes, Sealer sealer, Clock clock) {
    this.meshes = meshes;
    this.sealer = sealer;
    this.clock = clock;
  }

  @Override
  public void signWorkloadCertificate(
      SignWorkloadCertificateRequest request,
      StreamObserver<SignWorkloadCertificateResponse> response) {
    List<String> problems = new ArrayList<>();
    checkName("mesh", request.getMesh(), problems);
    checkName("dataplane", request.getDataplane(), problems);
    PublicKey key = null;
    if (request.getCsrDer().size() > MAX_CSR_BYTES) {
      problems.add("csr_der: longer than " + MAX_CSR_BYTES + " bytes");
    } else {
      try {
        key = WorkloadCertificates.verifiedKey(request.getCsrDer().toByteArray());
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      response.onError(
          Status.INVALID_ARGUMENT.withDescription(String.join("; ", problems)).asException());
      return;
    }
    MeshState state = meshes.apply(request.getMesh());
    Instant now = clock.instant();
    Issuance issuance = MeshCas.issuance(state, request.getDataplane(), sealer, now);
    switch (issuance) {
      case Issuance.NotFound nf ->
          response.onError(Status.NOT_FOUND.withDescription(nf.reason()).asException());
      case Issuance.NotReady nr ->
          response.onError(Status.FAILED_PRECONDITION.withDescription(nr.reason()).asException());
      case Issuance.Ready ready -> {
        X509Certificate certificate =
            WorkloadCertificates.issue(
                ready.ca(), key, ready.uris(), ready.lifetime(), now, random);
        response.onNext(
            SignWorkloadCertificateResponse.newBuilder()
                .setCertificatePem(Pem.encode(certificate))
                .setTrustBundlePem(Pem.encodeAll(ready.trusted()))
                .setExpiresAtMs(certificate.getNotAfter().getTime())
                .addAllUriSans(ready.uris())
                .setIdentitiesVersion(IdentityCas.version(state, now))
                .build());
        response.onCompleted();
      }
    }
  }

  @Override
  public void getTrustBundle(
      GetTrustBundleRequest request, StreamObserver<GetTrustBundleResponse> response) {
    List<String> problems = new ArrayList<>();
    checkName("mesh", request.getMesh(), problems);
    checkName("dataplane", request.getDataplane(), problems);
    if (!problems.isEmpty()) {
      response.onError(
          Status.INVALID_ARGUMENT.withDescription(String.join("; ", problems)).asException());
      return;
    }
    MeshState state = meshes.apply(request.getMesh());
    MeshCas.TrustBundle bundle = MeshCas.trustBundle(state, request.getDataplane(), sealer);
    switch (bundle.refusal()) {
      case null -> {
        response.onNext(
            GetTrustBundleResponse.newBuilder()
                .setTrustBundlePem(Pem.encodeAll(bundle.certificates()))
                .setIdentitiesVersion(IdentityCas.version(state, clock.instant()))
                .build());
        response.onCompleted();
      }
      case Issuance.NotFound nf ->
          response.onError(Status.NOT_FOUND.withDescription(nf.reason()).asException());
      case Issuance.NotReady nr ->
          response.onError(Status.FAILED_PRECONDITION.withDescription(nr.reason()).asException());
      case Issuance.Ready ready ->
          throw new IllegalStateException("a trust bundle's refusal is never Ready");
    }
  }

  private static void checkName(String field, String value, List<String> problems) {
    String problem = ResourceIdentity.nameProblem(value);
    if (problem != null) {
      problems.add(field + ": " + problem);
    }
  }
}
