package dev.chronomesh.xds;

import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import java.util.Set;
import java.util.function.Consumer;

/**
 * java-control-plane's snapshot cache (also the benchmarks' baseline control plane's), answering
 * every state-of-the-world request with what the node's snapshot has, as if the stream were not
 * ADS.
 *
 * <p>Why: in ADS mode, SimpleCache (1.0.49, and still in 1.0.55) does not answer a watch whose
 * requested names are not all in the snapshot, yet {@code respondWithSpecificOrder} drops that
 * watch when a new snapshot arrives even though nothing was sent. A client that asked for a
 * listener before the node's config had it (a proxyless client dialing a service created a moment
 * ago) then never hears of it again. Answering with the subset that exists keeps the watch cycle
 * going: the client treats a missing listener or cluster as not existing yet and gets it with the
 * next snapshot.
 */
public final class NodeCache extends SimpleCache<String> {
  public NodeCache() {
    super(node -> node.getId());
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    return super.createWatch(
        false,
        request,
        knownResourceNames,
        responseConsumer,
        hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }
}
