package dev.chronomesh.projector.generate;

import com.google.protobuf.BoolValue;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.SidecarSecrets;
import dev.chronomesh.events.Spiffe;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The mesh's mTLS as an Envoy sidecar reads it, shaped as Kuma 2.14's ({@code
 * pkg/xds/envoy/tls/v3/tls.go}, STRICT and PERMISSIVE inbounds): both sides present the proxy's
 * identity and verify the peer against the mesh's CA bundle, each taken by SDS over ADS under
 * Kuma's secret names ({@link SidecarSecrets}). The config only names the secrets, so a renewal
 * changes secrets, never listeners or clusters. Whether the mesh has mTLS is {@link
 * MeshMtls#enabled}.
 */
final class SidecarTls {
  /** Kuma's ALPN marking mesh mTLS on an upstream connection (its PERMISSIVE inbounds match it). */
  static final String KUMA_ALPN = "kuma";

  /**
   * HTTP/2's ALPN. grpc-java (a proxyless client or server) requires it negotiated on every TLS
   * connection; Kuma's Envoy contexts negotiate none, so a sidecar's gRPC and HTTP/2 inbounds
   * select it and its clusters to them offer it beside {@link #KUMA_ALPN} ({@link #h2}).
   */
  static final String H2_ALPN = "h2";

  /** The transport protocols Envoy's TLS inspector tells apart. */
  static final String RAW_BUFFER = "raw_buffer";

  static final String TLS = "tls";

  /** Kuma truncates each name in a MeshService SNI to fit a DNS label. */
  private static final int DNS_LABEL_LIMIT = 63;

  private SidecarTls() {}

  /**
   * An inbound's TLS: the proxy's identity; a client certificate required, signed by a CA of the
   * mesh's bundle and carrying a SPIFFE ID of the mesh ({@code spiffe://<mesh>/} as a URI SAN
   * prefix) or of one of {@code trustedDomains} (its MeshTrusts' and trusted MeshIdentities',
   * {@code spiffe://<domain>/}).
   */
  static TransportSocket downstream(String mesh, SortedSet<String> trustedDomains) {
    return downstream(mesh, trustedDomains, "tcp", tls -> {});
  }

  /**
   * {@link #downstream(String, SortedSet)} of an inbound of {@code placeProtocol} (ALPN {@code h2}
   * for gRPC and HTTP/2, {@link #h2}), the context then given to {@code hooks} (the policy hooks).
   */
  static TransportSocket downstream(
      String mesh,
      SortedSet<String> trustedDomains,
      String placeProtocol,
      Consumer<DownstreamTlsContext.Builder> hooks) {
    CommonTlsContext.Builder common =
        common(mesh, uriSan(StringMatcher.newBuilder().setPrefix(prefix(mesh)))).toBuilder();
    CertificateValidationContext.Builder peers =
        common.getCombinedValidationContextBuilder().getDefaultValidationContextBuilder();
    trustedDomains.forEach(
        domain ->
            peers.addMatchTypedSubjectAltNames(
                uriSan(StringMatcher.newBuilder().setPrefix(Spiffe.anyInDomain(domain)))));
    h2(placeProtocol, common);
    DownstreamTlsContext.Builder tls =
        DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(common)
            .setRequireClientCertificate(BoolValue.of(true));
    hooks.accept(tls);
    return socket(Protos.pack(tls.build()));
  }

  /**
   * Adds {@link #H2_ALPN} to a sidecar's TLS context (an inbound's, or a cluster's towards a
   * service) where the traffic is gRPC or HTTP/2 ({@code placeProtocol} {@code grpc}, {@code
   * http2}), so that grpc-java peers (proxyless clients and servers) complete the handshake: an
   * Envoy peer offering or selecting no {@code h2} negotiates as before.
   */
  private static void h2(String placeProtocol, CommonTlsContext.Builder common) {
    if (placeProtocol.equals("grpc") || placeProtocol.equals("http2")) {
      common.addAlpnProtocols(H2_ALPN);
    }
  }

  /**
   * Whether an Envoy sidecar's inbound in {@code mesh} (with mTLS) is PERMISSIVE, as Kuma 2.14's
   * {@code getMeshTLSMode}: the MeshTLS {@code mode} of the inbound when a policy gives one, else
   * the mode of the mesh's enabled backend (STRICT when not given).
   *
   * @param meshTlsMode the inbound's MeshTLS mode, or null
   */
  static boolean permissive(MeshResource mesh, String meshTlsMode) {
    if (meshTlsMode != null) {
      return MeshTLS.PERMISSIVE.equals(meshTlsMode);
    }
    return MeshMtls.permissive(mesh);
  }

  /**
   * The match of a PERMISSIVE inbound's chain, as Kuma's: plaintext ({@link #RAW_BUFFER}), the
   * application's own TLS ({@link #TLS}), or the mesh's mTLS (TLS announcing the {@link #KUMA_ALPN}
   * ALPN, which every sidecar cluster into the mesh sends).
   */
  static FilterChainMatch permissiveMatch(String transport, boolean meshTls) {
    FilterChainMatch.Builder match = FilterChainMatch.newBuilder().setTransportProtocol(transport);
    if (meshTls) {
      match.addApplicationProtocols(KUMA_ALPN);
    }
    return match.build();
  }

  /**
   * A cluster's TLS towards {@code destination}: the proxy's identity, the destination's SPIFFE ID
   * verified ({@code spiffe://<mesh>/<service>}; any identity of the mesh for a MeshService port,
   * whose endpoints may be of any service), and Kuma's SNI.
   */
  static TransportSocket upstream(String mesh, EndpointSelector destination) {
    return upstream(mesh, destination, List.of(), "tcp", tls -> {});
  }

  /**
   * {@link #upstream(String, EndpointSelector)} towards a destination of {@code placeProtocol}
   * (ALPN {@code h2} beside {@code kuma} for gRPC and HTTP/2, {@link #h2}), also accepting {@code
   * identities} (the destination's MeshIdentity SPIFFE IDs; one ending with {@code /} is a trust
   * domain prefix), the context then given to {@code hooks} (the policy hooks).
   */
  static TransportSocket upstream(
      String mesh,
      EndpointSelector destination,
      Collection<String> identities,
      String placeProtocol,
      Consumer<UpstreamTlsContext.Builder> hooks) {
    StringMatcher.Builder san =
        destination.port() == null
            ? StringMatcher.newBuilder().setExact(Spiffe.workloadId(mesh, destination.service()))
            : StringMatcher.newBuilder().setPrefix(prefix(mesh));
    CommonTlsContext.Builder common =
        common(mesh, uriSan(san)).toBuilder().addAlpnProtocols(KUMA_ALPN);
    h2(placeProtocol, common);
    CertificateValidationContext.Builder peers =
        common.getCombinedValidationContextBuilder().getDefaultValidationContextBuilder();
    for (String identity : identities) {
      StringMatcher.Builder matcher = StringMatcher.newBuilder();
      peers.addMatchTypedSubjectAltNames(
          uriSan(
              identity.endsWith("/") ? matcher.setPrefix(identity) : matcher.setExact(identity)));
    }
    UpstreamTlsContext.Builder tls =
        UpstreamTlsContext.newBuilder().setCommonTlsContext(common).setSni(sni(mesh, destination));
    hooks.accept(tls);
    return socket(Protos.pack(tls.build()));
  }

  /**
   * Kuma's SNI of a destination: {@code <service>{mesh=<mesh>[,<tag>=<value>...]}} for a service or
   * a subset of it, tags sorted by key ({@code tls.SNIFromTags}); for a MeshService port {@code
   * a<fnv-1a 64 hex>.<name>.<port>.<mesh>.ms} ({@code tls.SNIForResource}).
   */
  static String sni(String mesh, EndpointSelector destination) {
    if (destination.port() != null) {
      return meshServiceSni(destination.port().name(), mesh, destination.port().port());
    }
    Map<String, String> tags = new TreeMap<>(destination.tags());
    tags.remove(KumaTags.SERVICE);
    tags.put("mesh", mesh);
    StringBuilder out = new StringBuilder(destination.service()).append('{');
    String sep = "";
    for (Map.Entry<String, String> e : tags.entrySet()) {
      out.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = ",";
    }
    return out.append('}').toString();
  }

  /** Kuma's {@code SNIForResource} for a MeshService port, without additional data. */
  static String meshServiceSni(String name, String mesh, int port) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : (name + ";" + mesh + ";").getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return "a"
        + HexFormat.of().toHexDigits(hash)
        + "."
        + label(name)
        + "."
        + port
        + "."
        + label(mesh)
        + ".ms";
  }

  private static String label(String s) {
    return s.length() > DNS_LABEL_LIMIT - 1 ? s.substring(0, DNS_LABEL_LIMIT - 1) + "x" : s;
  }

  private static String prefix(String mesh) {
    return Spiffe.anyWorkload(mesh);
  }

  private static SubjectAltNameMatcher uriSan(StringMatcher.Builder matcher) {
    return SubjectAltNameMatcher.newBuilder()
        .setSanType(SubjectAltNameMatcher.SanType.URI)
        .setMatcher(matcher)
        .build();
  }

  private static CommonTlsContext common(String mesh, SubjectAltNameMatcher san) {
    return CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(sds(SidecarSecrets.identityCert(mesh)))
        .setCombinedValidationContext(
            CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                .setDefaultValidationContext(
                    CertificateValidationContext.newBuilder().addMatchTypedSubjectAltNames(san))
                .setValidationContextSdsSecretConfig(sds(SidecarSecrets.meshCa(mesh))))
        .build();
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(Protos.ADS).build();
  }

  private static TransportSocket socket(com.google.protobuf.Any config) {
    return TransportSocket.newBuilder()
        .setName(ProxylessTls.TRANSPORT_SOCKET)
        .setTypedConfig(config)
        .build();
  }
}
