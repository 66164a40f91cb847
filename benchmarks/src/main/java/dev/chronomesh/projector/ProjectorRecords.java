package dev.chronomesh.projector;

import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.projector.generate.GeneratedConfig;
import java.util.List;

/**
 * The projector's own mapping of a generated config to its proxy-configs record, for the JMH
 * serialization benchmark (split package: this class lives in the benchmarks jar), so the benchmark
 * measures the code the projector runs rather than a copy of it.
 */
public final class ProjectorRecords {
  private ProjectorRecords() {}

  /**
   * @param flavour {@code sidecar} or {@code proxyless}, what the config was generated for
   */
  public static ProxyConfig proxyConfig(
      String mesh,
      String proxy,
      String version,
      String flavour,
      GeneratedConfig config,
      List<EventRef> causes) {
    return MeshProjector.toAvro(mesh, proxy, version, flavour, config, causes);
  }
}
