package dev.chronomesh.xds.auth;

import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.ca.v1.GetTrustBundleRequest;
import dev.chronomesh.ca.v1.GetTrustBundleResponse;
import dev.chronomesh.ca.v1.SignWorkloadCertificateRequest;
import dev.chronomesh.ca.v1.SignWorkloadCertificateResponse;
import dev.chronomesh.events.Keys;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's door to the CA service: a proxy (a proxyless client's agent) asks for a workload
 * certificate with its dataplane token, as on its ADS stream; the token must name the node {@code
 * <mesh>.<dataplane>} the request asks for, so a dataplane gets only its own identities. The
 * request then goes to the CA service unchanged, which takes the identities from the mesh's state.
 * Refusals are {@code UNAUTHENTICATED} with the reason (never the token). The gateway's own SDS has
 * its sidecars' certificates signed through {@link #forward}.
 */
public final class WorkloadCertificateService
    extends CertificateAuthorityGrpc.CertificateAuthorityImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadCertificateService.class);
  private static final Context.Key<String> AUTHORIZATION = Context.key("authorization");
  private static final long CA_DEADLINE_SECONDS = 10;

  private final DataplaneAuthenticator authenticator;
  private final CertificateAuthorityGrpc.CertificateAuthorityStub ca;

  public WorkloadCertificateService(
      MeshKeys keys, Clock clock, CertificateAuthorityGrpc.CertificateAuthorityStub ca) {
    this.authenticator = new DataplaneAuthenticator(keys, clock);
    this.ca = ca;
  }

  /** Hands the call's {@code authorization} metadata to the service. */
  public static ServerInterceptor authorizationInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Context context =
            Context.current()
                .withValue(AUTHORIZATION, headers.get(DataplaneTokenInterceptor.AUTHORIZATION));
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }

  @Override
  public void signWorkloadCertificate(
      SignWorkloadCertificateRequest request,
      StreamObserver<SignWorkloadCertificateResponse> response) {
    if (authenticated(request.getMesh(), request.getDataplane(), response)) {
      forward(request, response);
    }
  }

  @Override
  public void getTrustBundle(
      GetTrustBundleRequest request, StreamObserver<GetTrustBundleResponse> response) {
    if (authenticated(request.getMesh(), request.getDataplane(), response)) {
      forwardBundle(request, response);
    }
  }

  /** Whether the call's token names {@code <mesh>.<dataplane>}; if not, the call is refused. */
  private boolean authenticated(String mesh, String dataplane, StreamObserver<?> response) {
    String node = Keys.proxy(mesh, dataplane);
    try {
      authenticator.authenticate(AUTHORIZATION.get(), node);
      return true;
    } catch (DataplaneAuthenticator.Refused e) {
      LOG.warn("Refused a CA request node={}: {}", node, e.getMessage());
      response.onError(Status.UNAUTHENTICATED.withDescription(e.getMessage()).asException());
      return false;
    }
  }

  /**
   * Has the CA service sign {@code request} without a token check: for the gateway itself, which
   * signs for the sidecars whose ADS streams it authenticated (their SDS secrets).
   */
  public void forward(
      SignWorkloadCertificateRequest request,
      StreamObserver<SignWorkloadCertificateResponse> response) {
    ca.withDeadlineAfter(CA_DEADLINE_SECONDS, TimeUnit.SECONDS)
        .signWorkloadCertificate(request, response);
  }

  /** The trust bundle, without a token check: for the gateway's own SDS, as {@link #forward}. */
  public void forwardBundle(
      GetTrustBundleRequest request, StreamObserver<GetTrustBundleResponse> response) {
    ca.withDeadlineAfter(CA_DEADLINE_SECONDS, TimeUnit.SECONDS).getTrustBundle(request, response);
  }
}
