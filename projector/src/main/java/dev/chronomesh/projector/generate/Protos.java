package dev.chronomesh.projector.generate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;

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

  static GeneratedResource resource(String name, Message message) {
    return new GeneratedResource(typeUrl(message), name, deterministicBytes(message));
  }
}
