package dev.chronomesh.ca;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Lets a call through only when the mTLS peer's certificate names {@code identity} as a URI SAN:
 * the handshake proved the certificate is the control-plane CA's, this says which component it is,
 * so another component's certificate (the CA service's own, say) cannot ask for signatures. Refused
 * calls end with {@code PERMISSION_DENIED} naming what was expected.
 */
final class PeerComponentCheck implements ServerInterceptor {
  private final String identity;

  PeerComponentCheck(String identity) {
    this.identity = identity;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (!names(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), identity)) {
      call.close(
          Status.PERMISSION_DENIED.withDescription("only " + identity + " may call the CA service"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private static boolean names(SSLSession session, String identity) {
    if (session == null) {
      return false;
    }
    try {
      X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
      Collection<List<?>> sans = peer.getSubjectAlternativeNames();
      return sans != null
          && sans.stream().anyMatch(san -> san.get(0).equals(6) && identity.equals(san.get(1)));
    } catch (SSLPeerUnverifiedException | CertificateParsingException | ClassCastException e) {
      return false;
    }
  }
}
