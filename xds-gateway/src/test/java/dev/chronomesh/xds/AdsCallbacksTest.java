package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ACK and NACK detection from synthetic requests and responses. */
class AdsCallbacksTest {
  private static final String NODE = "default.web-1";
  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:10Z");
  private static final Instant CAUSE = Instant.parse("2026-01-01T00:00:07.250Z");

  private final List<String> events = new ArrayList<>();
  private final AdsCallbacks callbacks =
      new AdsCallbacks(
          (node, type, version) ->
              node.equals(NODE) && type.equals(CDS) && version.equals("v1") ? CAUSE : null,
          (node, type) -> "current-" + type.substring(type.lastIndexOf('.') + 1),
          Clock.fixed(NOW, ZoneOffset.UTC));

  AdsCallbacksTest() {
    callbacks.addListener(
        new ProxyEventListener() {
          @Override
          public void connected(String nodeId, long streamId, boolean delta) {
            events.add("connected " + nodeId + " " + streamId + " " + delta);
          }

          @Override
          public void disconnected(String nodeId, long streamId) {
            events.add("disconnected " + nodeId + " " + streamId);
          }

          @Override
          public void acked(String nodeId, String typeUrl, String version, Duration convergence) {
            events.add(
                "ack " + nodeId + " " + shortType(typeUrl) + " " + version + " " + convergence);
          }

          @Override
          public void nacked(String nodeId, String typeUrl, String version, String error) {
            events.add("nack " + nodeId + " " + shortType(typeUrl) + " " + version + " " + error);
          }
        });
  }

  @Test
  void firstRequestConnectsAndAMatchingNonceIsAnAckWithConvergence() throws Exception {
    callbacks.onStreamOpen(1, "");
    callbacks.onV3StreamRequest(1, request(CDS, "", ""));
    callbacks.onV3StreamResponse(1, request(CDS, "", ""), response(CDS, "v1", "0"));
    callbacks.onV3StreamRequest(1, request(CDS, "v1", "0"));
    callbacks.onStreamClose(1, "");

    assertThat(events)
        .containsExactly(
            "connected default.web-1 1 false",
            "ack default.web-1 Cluster v1 PT2.75S",
            "disconnected default.web-1 1");
  }

  @Test
  void errorDetailIsANackOfTheSentVersionNotOfVersionInfo() {
    callbacks.onV3StreamRequest(1, request(CDS, "", ""));
    callbacks.onV3StreamResponse(1, request(CDS, "", ""), response(CDS, "v1", "0"));
    callbacks.onV3StreamRequest(1, request(CDS, "v1", "0"));
    callbacks.onV3StreamResponse(1, request(CDS, "v1", "0"), response(CDS, "v2", "1"));
    callbacks.onV3StreamRequest(1, nack(request(CDS, "v1", "1"), "bad cluster"));

    assertThat(events)
        .containsExactly(
            "connected default.web-1 1 false",
            "ack default.web-1 Cluster v1 PT2.75S",
            "nack default.web-1 Cluster v2 bad cluster");
    assertThat(callbacks.nackedVersion(NODE, CDS)).isEqualTo("v2");
  }

  @Test
  void theNextAckClearsTheNackedVersion() {
    callbacks.onV3StreamRequest(1, request(CDS, "", ""));
    callbacks.onV3StreamResponse(1, request(CDS, "", ""), response(CDS, "v2", "0"));
    callbacks.onV3StreamRequest(1, nack(request(CDS, "", "0"), "bad"));
    callbacks.onV3StreamResponse(1, request(CDS, "", "0"), response(CDS, "v3", "1"));
    callbacks.onV3StreamRequest(1, request(CDS, "v3", "1"));

    assertThat(callbacks.nackedVersion(NODE, CDS)).isNull();
    assertThat(events).last().isEqualTo("ack default.web-1 Cluster v3 null");
  }

  @Test
  void staleOrRepeatedNoncesAreNeitherAckNorNack() {
    callbacks.onV3StreamRequest(1, request(CDS, "", ""));
    callbacks.onV3StreamResponse(1, request(CDS, "", ""), response(CDS, "v1", "0"));
    callbacks.onV3StreamResponse(1, request(CDS, "", ""), response(CDS, "v2", "1"));
    // The ACK of the superseded response.
    callbacks.onV3StreamRequest(1, request(CDS, "v1", "0"));
    callbacks.onV3StreamRequest(1, request(CDS, "v2", "1"));
    // The same nonce again (a subscription change): not a second ACK.
    callbacks.onV3StreamRequest(1, request(CDS, "v2", "1"));
    // A nonce this stream never sent.
    callbacks.onV3StreamRequest(1, nack(request(CDS, "v2", "99"), "what"));

    assertThat(events)
        .containsExactly("connected default.web-1 1 false", "ack default.web-1 Cluster v2 null");
  }

  @Test
  void typesAreTrackedApartOnOneStream() {
    callbacks.onV3StreamRequest(1, request(CDS, "", ""));
    callbacks.onV3StreamResponse(1, request(CDS, "", ""), response(CDS, "v1", "0"));
    callbacks.onV3StreamResponse(1, request(EDS, "", ""), response(EDS, "e1", "1"));
    callbacks.onV3StreamRequest(1, nack(request(EDS, "", "1"), "no"));
    callbacks.onV3StreamRequest(1, request(CDS, "v1", "0"));

    assertThat(events)
        .containsExactly(
            "connected default.web-1 1 false",
            "nack default.web-1 ClusterLoadAssignment e1 no",
            "ack default.web-1 Cluster v1 PT2.75S");
  }

  @Test
  void deltaStreamsAckByNonceWithTheResponseVersionOrTheSnapshotVersion() {
    Node node = Node.newBuilder().setId(NODE).build();
    DeltaDiscoveryRequest first =
        DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build();
    callbacks.onV3StreamDeltaRequest(7, first);
    callbacks.onV3StreamDeltaResponse(
        7,
        first,
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(CDS)
            .setNonce("a")
            .setSystemVersionInfo("v1")
            .build());
    callbacks.onV3StreamDeltaRequest(
        7, DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).setResponseNonce("a").build());
    callbacks.onV3StreamDeltaResponse(
        7, first, DeltaDiscoveryResponse.newBuilder().setTypeUrl(EDS).setNonce("b").build());
    callbacks.onV3StreamDeltaRequest(
        7,
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(EDS)
            .setResponseNonce("b")
            .setErrorDetail(Status.newBuilder().setMessage("bad endpoints"))
            .build());
    callbacks.onStreamCloseWithError(7, "", new RuntimeException("gone"));

    assertThat(events)
        .containsExactly(
            "connected default.web-1 7 true",
            "ack default.web-1 Cluster v1 PT2.75S",
            "nack default.web-1 ClusterLoadAssignment current-ClusterLoadAssignment bad endpoints",
            "disconnected default.web-1 7");
  }

  @Test
  void aStreamWithoutNodeIsNotConnectedAndAFailingListenerDoesNotStopOthers() {
    callbacks.onV3StreamRequest(3, DiscoveryRequest.newBuilder().setTypeUrl(CDS).build());
    callbacks.onStreamClose(3, "");
    assertThat(events).isEmpty();

    AdsCallbacks other = new AdsCallbacks((n, t, v) -> null, (n, t) -> null, Clock.systemUTC());
    List<String> heard = new ArrayList<>();
    other.addListener(
        new ProxyEventListener() {
          @Override
          public void connected(String nodeId, long streamId, boolean delta) {
            throw new IllegalStateException("boom");
          }
        });
    other.addListener(
        new ProxyEventListener() {
          @Override
          public void connected(String nodeId, long streamId, boolean delta) {
            heard.add(nodeId);
          }
        });
    other.onV3StreamRequest(1, request(CDS, "", ""));
    assertThat(heard).containsExactly(NODE);
  }

  @Test
  void theNackGuardOpensTheWatchAtTheRejectedVersion() {
    callbacks.onV3StreamRequest(1, request(CDS, "", ""));
    callbacks.onV3StreamResponse(1, request(CDS, "", ""), response(CDS, "v2", "0"));
    DiscoveryRequest nack = nack(request(CDS, "v1", "0"), "bad");
    callbacks.onV3StreamRequest(1, nack);

    XdsRequest guarded = ProxyStatusNackGuard.atRejectedVersion(XdsRequest.create(nack), callbacks);
    assertThat(guarded.getVersionInfo()).isEqualTo("v2");

    XdsRequest plain = XdsRequest.create(request(CDS, "v1", "0"));
    assertThat(ProxyStatusNackGuard.atRejectedVersion(plain, callbacks)).isSameAs(plain);
  }

  private static DiscoveryRequest request(String typeUrl, String version, String nonce) {
    return DiscoveryRequest.newBuilder()
        .setNode(Node.newBuilder().setId(NODE))
        .setTypeUrl(typeUrl)
        .setVersionInfo(version)
        .setResponseNonce(nonce)
        .build();
  }

  private static DiscoveryRequest nack(DiscoveryRequest request, String error) {
    return request.toBuilder().setErrorDetail(Status.newBuilder().setMessage(error)).build();
  }

  private static DiscoveryResponse response(String typeUrl, String version, String nonce) {
    return DiscoveryResponse.newBuilder()
        .setTypeUrl(typeUrl)
        .setVersionInfo(version)
        .setNonce(nonce)
        .build();
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
