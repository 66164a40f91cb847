package dev.chronomesh.projector;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.ProxyConfigEnvelope;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.projector.generate.GeneratedConfig;
import dev.chronomesh.projector.generate.GeneratedResource;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy-configs record of a generated config: what the projector writes for a proxy, and what
 * the serialization benchmark measures (public for it, so it measures this code, not a copy).
 */
public final class ProxyConfigRecords {
  private ProxyConfigRecords() {}

  /**
   * The flavour a dataplane's config was generated for, as the record's envelope names it: the
   * value of {@link KumaTags#PROXY_TYPE_LABEL} that the generator acts on.
   */
  public static String flavour(DataplaneResource dp) {
    return KumaTags.isProxyless(dp.getLabels())
        ? ProxyConfigEnvelope.PROXYLESS
        : ProxyConfigEnvelope.SIDECAR;
  }

  /**
   * The record of {@code proxy}'s generated config at {@code version}. Its envelope (version,
   * flavour, EDS cluster names) lets a reader skip the resources.
   *
   * @param flavour {@link ProxyConfigEnvelope#SIDECAR} or {@link ProxyConfigEnvelope#PROXYLESS}
   */
  public static ProxyConfig of(
      String mesh,
      String proxy,
      String version,
      String flavour,
      GeneratedConfig generated,
      List<EventRef> causes) {
    List<XdsResource> out = new ArrayList<>(generated.resources().size());
    for (GeneratedResource r : generated.resources()) {
      out.add(
          XdsResource.newBuilder()
              .setTypeUrl(r.typeUrl())
              .setName(r.name())
              .setValue(ByteBuffer.wrap(r.value().toByteArray()))
              .build());
    }
    return ProxyConfig.newBuilder()
        .setMesh(mesh)
        .setProxy(proxy)
        .setVersion(version)
        .setFlavour(flavour)
        .setEdsClusters(List.copyOf(generated.edsClusters().keySet()))
        .setResources(out)
        .setCauses(List.copyOf(causes))
        .build();
  }
}
