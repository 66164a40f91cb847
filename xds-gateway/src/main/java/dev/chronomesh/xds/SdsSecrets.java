package dev.chronomesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.SidecarSecrets;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The SDS secrets the gateway serves an Envoy sidecar of an mTLS mesh, and which mesh's identity a
 * config asks for. Pure: no clock, no I/O.
 *
 * <p>A config asks for an identity when one of its listeners' or clusters' TLS contexts names
 * {@link SidecarSecrets#identityCert} of a mesh (the projector names it exactly when the mesh has
 * mTLS on): that is the only signal the gateway needs, no other topic tells it of a mesh's mTLS.
 */
final class SdsSecrets {
  private SdsSecrets() {}

  /**
   * A proxy's two secrets: its identity ({@code identity_cert:secret:<mesh>}: certificate chain and
   * private key) and its mesh's CA bundle ({@code mesh_ca:secret:<mesh>}: the trusted CAs), as
   * Kuma's SDS serves them (inline bytes, PEM). Each is versioned by a digest of its public part
   * (the certificate, the bundle), never of the key; the set's version by both.
   *
   * <p>{@link #toString()} names the secrets and their versions only: the key must never be logged.
   */
  static final class Set {
    private final String mesh;
    private final VersionedResource<Secret> identity;
    private final VersionedResource<Secret> ca;
    private final String version;

    private Set(String mesh, VersionedResource<Secret> identity, VersionedResource<Secret> ca) {
      this.mesh = mesh;
      this.identity = identity;
      this.ca = ca;
      this.version = identity.version() + "." + ca.version();
    }

    String mesh() {
      return mesh;
    }

    String version() {
      return version;
    }

    List<VersionedResource<Secret>> resources() {
      return List.of(identity, ca);
    }

    @Override
    public String toString() {
      return "SdsSecrets.Set[mesh=" + mesh + ", version=" + version + "]";
    }
  }

  /**
   * The secrets of a proxy of {@code mesh} holding {@code privateKeyPem} (PKCS#8), signed into
   * {@code certificatePem}, whose peers are verified against {@code trustBundlePem}.
   */
  static Set of(String mesh, String certificatePem, String privateKeyPem, String trustBundlePem) {
    Objects.requireNonNull(mesh, "mesh");
    Secret identity =
        Secret.newBuilder()
            .setName(SidecarSecrets.identityCert(mesh))
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setCertificateChain(inline(certificatePem))
                    .setPrivateKey(inline(privateKeyPem)))
            .build();
    Secret ca =
        Secret.newBuilder()
            .setName(SidecarSecrets.meshCa(mesh))
            .setValidationContext(
                CertificateValidationContext.newBuilder().setTrustedCa(inline(trustBundlePem)))
            .build();
    return new Set(
        mesh,
        VersionedResource.create(identity, digest(certificatePem)),
        VersionedResource.create(ca, digest(trustBundlePem)));
  }

  /**
   * The secrets of a snapshot: the config's own (none from today's projector) and the proxy's SDS
   * set, when it has one; the type's version changes with either.
   */
  static SnapshotResources<Secret> merge(SnapshotResources<Secret> config, Set sds) {
    if (sds == null) {
      return config;
    }
    List<VersionedResource<Secret>> all = new ArrayList<>(config.versionedResources().values());
    all.addAll(sds.resources());
    String version = config.version() + "+" + sds.version();
    return SnapshotResources.create(all, names -> version);
  }

  /**
   * The mesh whose identity secret the config's TLS contexts name, or null when none does (a mesh
   * without mTLS, a proxyless client's config, which takes its identity from files).
   */
  static String identityMesh(
      SnapshotResources<Cluster> clusters, SnapshotResources<Listener> listeners) {
    for (Cluster c : clusters.resources().values()) {
      String mesh = identityMesh(c.getTransportSocket());
      if (mesh != null) {
        return mesh;
      }
      for (Cluster.TransportSocketMatch m : c.getTransportSocketMatchesList()) {
        mesh = identityMesh(m.getTransportSocket());
        if (mesh != null) {
          return mesh;
        }
      }
    }
    for (Listener l : listeners.resources().values()) {
      for (FilterChain chain : l.getFilterChainsList()) {
        String mesh = identityMesh(chain.getTransportSocket());
        if (mesh != null) {
          return mesh;
        }
      }
    }
    return null;
  }

  private static String identityMesh(TransportSocket socket) {
    if (!socket.hasTypedConfig()) {
      return null;
    }
    Any config = socket.getTypedConfig();
    try {
      CommonTlsContext common;
      if (config.is(UpstreamTlsContext.class)) {
        common = config.unpack(UpstreamTlsContext.class).getCommonTlsContext();
      } else if (config.is(DownstreamTlsContext.class)) {
        common = config.unpack(DownstreamTlsContext.class).getCommonTlsContext();
      } else {
        return null;
      }
      for (SdsSecretConfig sds : common.getTlsCertificateSdsSecretConfigsList()) {
        if (sds.getName().startsWith(SidecarSecrets.IDENTITY_CERT_PREFIX)) {
          return sds.getName().substring(SidecarSecrets.IDENTITY_CERT_PREFIX.length());
        }
      }
      return null;
    } catch (InvalidProtocolBufferException e) {
      // The decoder accepted the resource; a TLS context it cannot read names no secret.
      return null;
    }
  }

  private static DataSource inline(String pem) {
    return DataSource.newBuilder()
        .setInlineBytes(ByteString.copyFrom(pem, StandardCharsets.US_ASCII))
        .build();
  }

  private static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
