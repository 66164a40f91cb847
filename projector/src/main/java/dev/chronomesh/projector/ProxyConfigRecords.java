package dev.chronomesh.projector;

import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
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

  /** The record of {@code proxy}'s config {@code resources} at {@code version}. */
  public static ProxyConfig of(
      String mesh,
      String proxy,
      String version,
      List<GeneratedResource> generated,
      List<EventRef> causes) {
    List<XdsResource> out = new ArrayList<>(generated.size());
    for (GeneratedResource r : generated) {
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
        .setResources(out)
        .setCauses(List.copyOf(causes))
        .build();
  }
}
