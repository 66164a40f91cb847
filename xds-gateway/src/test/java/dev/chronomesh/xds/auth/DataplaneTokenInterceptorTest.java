package dev.chronomesh.xds.auth;

import static dev.chronomesh.xds.auth.TestEvents.dataplane;
import static dev.chronomesh.xds.auth.TestEvents.key;
import static dev.chronomesh.xds.auth.TestEvents.revocation;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.chronomesh.auth.DataplaneTokens;
import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.xds.auth.TestEvents.MeshKey;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The interceptor's logic against a hand-written ServerCall and handler (pure logic: no transport
 * is involved; the IT runs it on a real gRPC server).
 */
class DataplaneTokenInterceptorTest {
  private static final EnvelopeSealer SEALER = TestEvents.sealer();
  private static final MeshKey DEFAULT = MeshKey.generate("default", SEALER);
  private static final MeshKey OTHER = MeshKey.generate("other", SEALER);
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final DataplaneTokens TOKENS = new DataplaneTokens(CLOCK);
  private static final Map<String, List<String>> WEB = Map.of("kuma.io/service", List.of("web"));

  private final MeshKeys keys = newKeys();
  private final DataplaneTokenInterceptor interceptor = new DataplaneTokenInterceptor(keys, CLOCK);

  private static MeshKeys newKeys() {
    MeshKeys keys = new MeshKeys();
    keys.apply(key(DEFAULT));
    keys.apply(key(OTHER));
    keys.apply(dataplane("default", "web-1", Map.of("kuma.io/service", "web")));
    keys.apply(dataplane("default", "web-2", Map.of("kuma.io/service", "web")));
    return keys;
  }

  private static String token(String name, Map<String, List<String>> tags) {
    return TOKENS.issue(DEFAULT.key(), "default", name, tags, Duration.ofHours(1));
  }

  private static DiscoveryRequest request(String nodeId) {
    DiscoveryRequest.Builder b =
        DiscoveryRequest.newBuilder()
            .setTypeUrl("type.googleapis.com/envoy.config.listener.v3.Listener");
    if (nodeId != null) {
      b.setNode(Node.newBuilder().setId(nodeId));
    }
    return b.build();
  }

  /** Opens a stream with {@code authorization} (null: none) and sends its first request. */
  private Stream open(String authorization, Object first) {
    Stream stream = new Stream();
    Metadata headers = new Metadata();
    if (authorization != null) {
      headers.put(DataplaneTokenInterceptor.AUTHORIZATION, authorization);
    }
    stream.listener = interceptor.interceptCall(stream.call, headers, stream.handler);
    stream.listener.onReady();
    stream.listener.onMessage(first);
    return stream;
  }

  private static void assertRefused(Stream stream, String... descriptionParts) {
    assertThat(stream.call.closedWith).as("closed").isNotNull();
    assertThat(stream.call.closedWith.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(stream.call.closedWith.getDescription()).contains(descriptionParts);
    assertThat(stream.call.closes).isEqualTo(1);
  }

  private static void assertRefusedBeforeStart(Stream stream, String... descriptionParts) {
    assertRefused(stream, descriptionParts);
    assertThat(stream.handler.started).as("java-control-plane saw the stream").isFalse();
  }

  private static void assertAccepted(Stream stream, Object first) {
    assertThat(stream.call.closedWith).as("closed").isNull();
    assertThat(stream.handler.started).isTrue();
    assertThat(stream.handler.received).containsExactly(first);
  }

  @Test
  void acceptsAValidTokenRawOrAsBearer() {
    String token = token("web-1", WEB);
    DiscoveryRequest first = request("default.web-1");

    assertAccepted(open(token, first), first);
    assertAccepted(open("Bearer " + token, first), first);
    assertAccepted(open("bearer  " + token + " ", first), first);
  }

  @Test
  void acceptsDeltaStreams() {
    DeltaDiscoveryRequest first =
        DeltaDiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId("default.web-1"))
            .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
            .build();
    assertAccepted(open(token("web-1", WEB), first), first);
  }

  @Test
  void refusesAMissingToken() {
    assertRefusedBeforeStart(open(null, request("default.web-1")), "presented no dataplane token");
    assertRefusedBeforeStart(
        open("Bearer ", request("default.web-1")), "presented no dataplane token");
  }

  @Test
  void refusesAnExpiredToken() {
    String expired =
        new DataplaneTokens(Clock.fixed(NOW.minus(Duration.ofHours(3)), ZoneOffset.UTC))
            .issue(DEFAULT.key(), "default", "web-1", WEB, Duration.ofHours(1));
    assertRefusedBeforeStart(open(expired, request("default.web-1")), "(EXPIRED)");
  }

  @Test
  void refusesForgedAlgNoneAndHmacTokens() throws Exception {
    MeshKey impostor = MeshKey.generate("default", SEALER);
    String forged = TOKENS.issue(impostor.key(), "default", "web-1", WEB, Duration.ofHours(1));
    assertRefusedBeforeStart(open(forged, request("default.web-1")), "(BAD_SIGNATURE)");

    String payload = token("web-1", WEB).split("\\.")[1];
    String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".";
    assertRefusedBeforeStart(open(none, request("default.web-1")), "(UNSUPPORTED_ALGORITHM)");

    // HS256 "signed" with the public key as the secret: the classic key-confusion attack.
    JWTClaimsSet claims =
        JWTClaimsSet.parse(new String(Base64.getUrlDecoder().decode(payload), UTF_8));
    SignedJWT hmac =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(DEFAULT.key().keyId()).build(), claims);
    hmac.sign(new MACSigner(DEFAULT.key().verifyingKey().publicKey().getEncoded()));
    assertRefusedBeforeStart(
        open(hmac.serialize(), request("default.web-1")), "(UNSUPPORTED_ALGORITHM)");
  }

  @Test
  void refusesATokenOfAnotherMeshOrDataplane() {
    String otherMesh = TOKENS.issue(OTHER.key(), "other", "web-1", WEB, Duration.ofHours(1));
    assertRefusedBeforeStart(open(otherMesh, request("default.web-1")), "(BAD_SIGNATURE)");
    assertRefusedBeforeStart(open(token("web-1", WEB), request("other.web-1")), "(BAD_SIGNATURE)");
    assertRefusedBeforeStart(
        open(token("web-1", WEB), request("unknown.web-1")),
        "mesh unknown has no dataplane-token signing key");
    assertRefusedBeforeStart(open(token("web-2", WEB), request("default.web-1")), "(WRONG_NAME)");
  }

  @Test
  void refusesARevokedToken() throws Exception {
    String token = token("web-1", WEB);
    String tokenId =
        TOKENS.verify(token, DEFAULT.key().verifyingKey(), "default", "web-1").tokenId();
    keys.apply(revocation("other", tokenId, "dataplane"));
    assertAccepted(open(token, request("default.web-1")), request("default.web-1"));

    keys.apply(revocation("default", tokenId, "dataplane"));
    assertRefusedBeforeStart(open(token, request("default.web-1")), tokenId + " is revoked");
  }

  @Test
  void closesAnOpenStreamAtItsNextRequestOnceItsTokenIsRevoked() throws Exception {
    String token = token("web-1", WEB);
    Stream stream = open(token, request("default.web-1"));
    stream.listener.onMessage(request("default.web-1"));
    assertThat(stream.handler.received).hasSize(2);

    keys.apply(
        revocation(
            "default",
            TOKENS.verify(token, DEFAULT.key().verifyingKey(), "default", "web-1").tokenId(),
            "dataplane"));
    stream.listener.onMessage(request("default.web-1"));

    assertRefused(stream, "is revoked");
    assertThat(stream.handler.received).hasSize(2);
    assertThat(stream.handler.cancelled).isTrue();
  }

  @Test
  void checksTheTagsTheTokenRestricts() {
    String payments = token("web-1", Map.of("kuma.io/service", List.of("payments")));
    assertRefusedBeforeStart(
        open(payments, request("default.web-1")),
        "tag kuma.io/service=web is not allowed by the token (allowed: [payments])");
    String zoned = token("web-1", Map.of("zone", List.of("a")));
    assertRefusedBeforeStart(
        open(zoned, request("default.web-1")), "the dataplane has no tag zone");

    // An unregistered dataplane: a token without tag restrictions passes, one with them not.
    assertAccepted(
        open(token("web-9", Map.of()), request("default.web-9")), request("default.web-9"));
    assertRefusedBeforeStart(
        open(token("web-9", WEB), request("default.web-9")), "is not registered");
  }

  @Test
  void refusesANodeIdThatChangesOrIsMissing() {
    Stream stream = open(token("web-1", WEB), request("default.web-1"));
    stream.listener.onMessage(request(null)); // no node: the stream's node stays
    stream.listener.onMessage(request("default.web-1"));
    assertThat(stream.handler.received).hasSize(3);

    stream.listener.onMessage(request("default.web-2"));
    assertRefused(stream, "node id changed on the stream from default.web-1 to default.web-2");
    assertThat(stream.handler.received).hasSize(3);
    assertThat(stream.handler.cancelled).isTrue();
    // java-control-plane's own close after the cancel is swallowed; so are later messages.
    stream.handler.call.close(Status.CANCELLED, new Metadata());
    stream.handler.call.sendMessage(DiscoveryResponse.getDefaultInstance());
    stream.listener.onMessage(request("default.web-1"));
    stream.listener.onComplete();
    assertThat(stream.call.closes).isEqualTo(1);
    assertThat(stream.call.sent).isEmpty();
    assertThat(stream.handler.received).hasSize(3);
    assertThat(stream.handler.completed).isFalse();

    assertRefusedBeforeStart(open(token("web-1", WEB), request(null)), "carries no node id");
    assertRefusedBeforeStart(
        open(token("web-1", WEB), request("web-1")), "node id 'web-1' is not <mesh>.<dataplane>");
  }

  @Test
  void forwardsFlowControlAndTheRestOfTheStream() {
    Stream stream = open(token("web-1", WEB), request("default.web-1"));
    // The gate asked for the first request; java-control-plane's own first request(1) is
    // swallowed because the gate hands it that first request; later ones pass.
    assertThat(stream.call.requested).isEqualTo(1);
    stream.handler.call.request(1);
    assertThat(stream.call.requested).isEqualTo(2);
    stream.handler.call.sendMessage(DiscoveryResponse.getDefaultInstance());
    assertThat(stream.call.sent).hasSize(1);
    stream.listener.onHalfClose();
    stream.listener.onComplete();
    assertThat(stream.handler.halfClosed).isTrue();
    assertThat(stream.handler.completed).isTrue();
    assertThat(stream.call.closedWith).isNull();

    Stream empty = new Stream();
    empty.listener = interceptor.interceptCall(empty.call, new Metadata(), empty.handler);
    empty.listener.onHalfClose();
    assertRefusedBeforeStart(empty, "ended before its first discovery request");
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(UTF_8));
  }

  /** One stream: the call the transport would give, the handler java-control-plane would be. */
  private static final class Stream {
    final FakeCall call = new FakeCall();
    final FakeHandler handler = new FakeHandler();
    ServerCall.Listener<Object> listener;
  }

  private static final class FakeCall extends ServerCall<Object, Object> {
    int requested;
    int closes;
    Status closedWith;
    final List<Object> sent = new ArrayList<>();

    @Override
    public void request(int numMessages) {
      requested += numMessages;
    }

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(Object message) {
      sent.add(message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closes++;
      closedWith = status;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }

    @Override
    @SuppressWarnings("unchecked")
    public MethodDescriptor<Object, Object> getMethodDescriptor() {
      return (MethodDescriptor<Object, Object>)
          (MethodDescriptor<?, ?>)
              AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod();
    }
  }

  /** Starts like grpc-stub's streaming handler: asks for one message, records what it gets. */
  private static final class FakeHandler implements ServerCallHandler<Object, Object> {
    boolean started;
    boolean cancelled;
    boolean halfClosed;
    boolean completed;
    ServerCall<Object, Object> call;
    final List<Object> received = new ArrayList<>();

    @Override
    public ServerCall.Listener<Object> startCall(ServerCall<Object, Object> call, Metadata h) {
      started = true;
      this.call = call;
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(Object message) {
          received.add(message);
        }

        @Override
        public void onCancel() {
          cancelled = true;
        }

        @Override
        public void onHalfClose() {
          halfClosed = true;
        }

        @Override
        public void onComplete() {
          completed = true;
        }
      };
    }
  }
}
