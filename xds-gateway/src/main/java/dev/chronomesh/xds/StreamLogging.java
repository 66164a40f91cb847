package dev.chronomesh.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs xDS stream lifecycle and every NACK a proxy sends; {@link AdsCallbacks} records the same
 * events as proxy status and metrics.
 */
final class StreamLogging implements DiscoveryServerCallbacks {
  private static final Logger LOG = LoggerFactory.getLogger(StreamLogging.class);

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    LOG.debug("xDS stream opened stream={} typeUrl={}", streamId, typeUrl);
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    LOG.debug("xDS stream closed stream={} typeUrl={}", streamId, typeUrl);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    LOG.debug("xDS stream closed with error stream={} typeUrl={}: {}", streamId, typeUrl, error);
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    if (request.hasErrorDetail()) {
      LOG.warn(
          "Proxy rejected config node={} stream={} typeUrl={} version={} nonce={} error={}",
          request.getNode().getId(),
          streamId,
          request.getTypeUrl(),
          request.getVersionInfo(),
          request.getResponseNonce(),
          request.getErrorDetail().getMessage());
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    if (request.hasErrorDetail()) {
      LOG.warn(
          "Proxy rejected delta config node={} stream={} typeUrl={} nonce={} error={}",
          request.getNode().getId(),
          streamId,
          request.getTypeUrl(),
          request.getResponseNonce(),
          request.getErrorDetail().getMessage());
    }
  }
}
