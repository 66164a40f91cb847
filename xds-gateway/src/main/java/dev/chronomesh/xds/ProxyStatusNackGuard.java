package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Keeps a NACKed version from being sent again and again (state of the world).
 *
 * <p>Why: a NACK carries in {@code version_info} the version the proxy still runs, not the one it
 * rejected. java-control-plane (1.0.49) opens the next watch at the request's {@code version_info};
 * SimpleCache answers a watch whose version differs from the snapshot's at once, so it would send
 * the rejected version right back, the proxy would reject it again, and so on. Here a NACK's watch
 * is opened at the rejected version instead (known from {@link AdsCallbacks}, which ran on the same
 * request just before): nothing is sent until the node's snapshot changes, and the next version
 * then goes out as usual. If the snapshot already changed since the rejected response, the watch
 * answers at once with the new version.
 */
final class ProxyStatusNackGuard implements ConfigWatcher {
  private final ConfigWatcher delegate;
  private final AdsCallbacks callbacks;

  ProxyStatusNackGuard(ConfigWatcher delegate, AdsCallbacks callbacks) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    return delegate.createWatch(
        ads,
        atRejectedVersion(request),
        knownResourceNames,
        responseConsumer,
        hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    return delegate.createDeltaWatch(
        request,
        requesterVersion,
        resourceVersions,
        pendingResources,
        isWildcard,
        responseConsumer,
        hasClusterChanged);
  }

  /** A NACK as if it named the rejected version; any other request unchanged. */
  static XdsRequest atRejectedVersion(XdsRequest request, AdsCallbacks callbacks) {
    if (!request.hasErrorDetail()) {
      return request;
    }
    String rejected =
        callbacks.nackedVersion(request.v3Request().getNode().getId(), request.getTypeUrl());
    if (rejected == null || rejected.equals(request.getVersionInfo())) {
      return request;
    }
    return XdsRequest.create(request.v3Request().toBuilder().setVersionInfo(rejected).build());
  }

  private XdsRequest atRejectedVersion(XdsRequest request) {
    return atRejectedVersion(request, callbacks);
  }
}
