package dev.chronomesh.events;

/**
 * The names of Kuma's tags, labels and headers Chronomesh reads and writes, each defined once. Tags
 * are on a dataplane's inbounds and outbounds; labels on resources.
 */
public final class KumaTags {
  private KumaTags() {}

  /** The service an inbound belongs to, or an outbound calls (Kuma: mesh_proto.ServiceTag). */
  public static final String SERVICE = "kuma.io/service";

  /** An inbound's protocol: http, http2, grpc or tcp (Kuma: mesh_proto.ProtocolTag). */
  public static final String PROTOCOL = "kuma.io/protocol";

  /** An inbound's zone, the locality of its endpoints (Kuma: mesh_proto.ZoneTag). */
  public static final String ZONE = "kuma.io/zone";

  /** The dataplane label a MeshIdentity's {@code {{ .Workload }}} reads (Kuma 2.14). */
  public static final String WORKLOAD_LABEL = "kuma.io/workload";

  /** The label naming a mesh-scoped resource's mesh (Kuma: metadata.KumaMeshLabel). */
  public static final String MESH_LABEL = "kuma.io/mesh";

  /** The label naming where a resource was created: global or zone. */
  public static final String ORIGIN_LABEL = "kuma.io/origin";

  /** The label naming the control plane's environment (Kuma: mesh_proto.EnvTag). */
  public static final String ENV_LABEL = "kuma.io/env";

  /** A policy's role: system, producer, consumer, workload-owner. */
  public static final String POLICY_ROLE_LABEL = "kuma.io/policy-role";

  /** Kuma's label naming a resource the way references name it (else its name is used). */
  public static final String DISPLAY_NAME_LABEL = "kuma.io/display-name";

  /** A Dataplane label: {@code proxyless} for a proxyless gRPC client (Chronomesh's own). */
  public static final String PROXY_TYPE_LABEL = "chronomesh.io/proxy-type";

  /** The value of {@link #PROXY_TYPE_LABEL} for a proxyless gRPC client. */
  public static final String PROXYLESS = "proxyless";

  /** Whether a Dataplane with {@code labels} (null: none) is a proxyless gRPC client. */
  public static boolean isProxyless(java.util.Map<String, String> labels) {
    return labels != null && PROXYLESS.equals(labels.get(PROXY_TYPE_LABEL));
  }

  /** The request header with the calling proxy's tags (Kuma: tags.TagsHeaderName). */
  public static final String TAGS_HEADER = "x-kuma-tags";

  /** The filter metadata key of a listener's tags (Kuma: envoy_metadata TagsKey). */
  public static final String TAGS_METADATA = "io.kuma.tags";
}
