package dev.chronomesh.projector.generate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.util.JsonFormat;
import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import dev.chronomesh.projector.generate.policy.PolicyConfigurers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Deterministic protobuf encoding: the same message always gives the same bytes. */
public final class Protos {
  /** Aggregated discovery (ADS, v3): where every flavour's RDS and EDS resources come from. */
  static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private static final String TYPE_URL_PREFIX = "type.googleapis.com/";

  private Protos() {}

  static String typeUrl(Message message) {
    return TYPE_URL_PREFIX + message.getDescriptorForType().getFullName();
  }

  /**
   * Serializes with deterministic map ordering (plain {@code toByteString()} does not promise it).
   */
  public static ByteString deterministicBytes(Message message) {
    byte[] out = new byte[message.getSerializedSize()];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    stream.useDeterministicSerialization();
    try {
      message.writeTo(stream);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to an array cannot fail", e);
    }
    stream.checkNoSpaceLeft();
    return UnsafeByteOperations.unsafeWrap(out);
  }

  /** {@code Any} holding the deterministic bytes of {@code message}. */
  public static Any pack(Message message) {
    return Any.newBuilder()
        .setTypeUrl(typeUrl(message))
        .setValue(deterministicBytes(message))
        .build();
  }

  /**
   * Every message type a generated resource may hold, directly or packed in an {@code Any}: the
   * resource types, the typed configs the generators and plugins pack, and every message of their
   * proto files and of the files those import. For printing configs as JSON.
   */
  public static JsonFormat.TypeRegistry jsonTypes() {
    return JsonTypes.REGISTRY;
  }

  /**
   * {@link #jsonTypes()} plus every type packed anywhere in {@code messages}: a MeshProxyPatch may
   * add typed configs of any Envoy extension.
   */
  public static JsonFormat.TypeRegistry jsonTypes(Message... messages) {
    return JsonFormat.TypeRegistry.newBuilder()
        .add(JsonTypes.DESCRIPTORS)
        .add(EnvoyJson.packedTypes(messages))
        .build();
  }

  /** Built on first use: the configurers must be loaded first. */
  private static final class JsonTypes {
    static final List<Descriptor> DESCRIPTORS = descriptors();
    static final JsonFormat.TypeRegistry REGISTRY =
        JsonFormat.TypeRegistry.newBuilder().add(DESCRIPTORS).build();

    private static List<Descriptor> descriptors() {
      Deque<FileDescriptor> todo = new ArrayDeque<>();
      for (Descriptor root :
          List.of(
              Listener.getDescriptor(),
              Cluster.getDescriptor(),
              RouteConfiguration.getDescriptor(),
              ClusterLoadAssignment.getDescriptor(),
              Secret.getDescriptor(),
              HttpConnectionManager.getDescriptor(),
              Router.getDescriptor(),
              TcpProxy.getDescriptor(),
              HttpProtocolOptions.getDescriptor(),
              HealthCheckEventFileSink.getDescriptor(),
              io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                  .getDescriptor(),
              io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  .getDescriptor(),
              io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
                  .getDescriptor())) {
        todo.add(root.getFile());
      }
      PolicyConfigurers.all().forEach(c -> c.typedConfigs().forEach(d -> todo.add(d.getFile())));
      List<Descriptor> out = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      while (!todo.isEmpty()) {
        FileDescriptor file = todo.pop();
        if (seen.add(file.getName())) {
          out.addAll(file.getMessageTypes());
          todo.addAll(file.getDependencies());
        }
      }
      return List.copyOf(out);
    }
  }

  static GeneratedResource resource(String name, Message message) {
    return new GeneratedResource(typeUrl(message), name, deterministicBytes(message));
  }
}
