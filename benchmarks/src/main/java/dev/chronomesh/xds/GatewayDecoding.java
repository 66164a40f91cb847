package dev.chronomesh.xds;

import dev.chronomesh.events.avro.ProxyConfig;

/**
 * Benchmark access to the gateway's package-private {@link ProxyConfigDecoder}. It lives in the
 * benchmarks module but in the gateway's package (one package in two jars on the plain classpath),
 * so xds-gateway keeps its narrow surface and nothing else can reach it.
 */
public final class GatewayDecoding {
  private GatewayDecoding() {}

  /**
   * What the gateway does with one proxy-configs record it has read: checks it and parses every
   * resource into its Envoy message.
   *
   * @return the accepted decoding (opaque outside the gateway's package)
   * @throws IllegalStateException naming the violations when the gateway rejects the record
   */
  public static Object decode(String key, ProxyConfig config) {
    ProxyConfigDecoder.Decoded decoded = ProxyConfigDecoder.decode(key, config);
    if (decoded instanceof ProxyConfigDecoder.Rejected rejected) {
      throw new IllegalStateException("gateway rejects " + key + ": " + rejected.violations());
    }
    return decoded;
  }

  /** The number of Envoy messages of an accepted decoding, to check a benchmark's workload. */
  public static int messages(Object accepted) {
    ProxyConfigDecoder.Accepted a = (ProxyConfigDecoder.Accepted) accepted;
    return a.clusters().size()
        + a.endpoints().size()
        + a.listeners().size()
        + a.routes().size()
        + a.secrets().size();
  }
}
