package dev.chronomesh.events;

import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.registry.SchemaRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The envelope of a proxy-configs record: the fields of {@link ProxyConfig} before its resources,
 * which is what the xDS gateway and the command API need of most records. {@link Reader} reads it
 * from the record's bytes with a reader schema that leaves the resources out, so Avro skips them
 * (length-prefixed) instead of copying them, and no resource is parsed.
 *
 * @param flavour {@value #SIDECAR} or {@value #PROXYLESS}, what the config was generated for; null
 *     in records written before the field existed
 * @param edsClusters the names under which the config's EDS clusters ask for endpoints, sorted;
 *     null in records written before the field existed
 */
public record ProxyConfigEnvelope(
    String mesh, String proxy, String version, String flavour, List<String> edsClusters) {
  /** The flavour of an Envoy sidecar's config (a Dataplane without the proxy-type label). */
  public static final String SIDECAR = "sidecar";

  /** The flavour of a proxyless gRPC client's config: the proxy-type label's value. */
  public static final String PROXYLESS = KumaTags.PROXYLESS;

  public ProxyConfigEnvelope {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(version, "version");
    edsClusters = edsClusters == null ? null : List.copyOf(edsClusters);
  }

  /** The envelope of a decoded record. */
  public static ProxyConfigEnvelope of(ProxyConfig config) {
    return new ProxyConfigEnvelope(
        config.getMesh(),
        config.getProxy(),
        config.getVersion(),
        config.getFlavour(),
        config.getEdsClusters());
  }

  /** Whether the record carries the whole envelope (records written before it do not). */
  public boolean isComplete() {
    return flavour != null && edsClusters != null;
  }

  /**
   * Reads envelopes of proxy-configs values in the Confluent wire format, resolving each writer
   * schema (by registry id, cached) against the envelope's fields. Thread-safe.
   */
  public static final class Reader {
    /** {@link ProxyConfig}'s schema with only the envelope's fields (same name, so it resolves). */
    static final Schema SCHEMA = envelopeSchema();

    private final SchemaRegistry registry;
    private final ConcurrentHashMap<Integer, GenericDatumReader<GenericRecord>> readers =
        new ConcurrentHashMap<>();

    public Reader(SchemaRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The envelope of a proxy-configs value.
     *
     * @throws SerializationException when the bytes are not the wire format, name an unknown schema
     *     or are not Avro of that schema
     */
    public ProxyConfigEnvelope read(String topic, byte[] value) {
      int id = AvroSerde.writerSchemaId(topic, value);
      try {
        GenericDatumReader<GenericRecord> reader =
            readers.computeIfAbsent(
                id, i -> new GenericDatumReader<>(registry.schemaById(i), SCHEMA));
        GenericRecord r =
            reader.read(
                null,
                DecoderFactory.get()
                    .binaryDecoder(
                        value,
                        AvroSerde.HEADER_BYTES,
                        value.length - AvroSerde.HEADER_BYTES,
                        null));
        return new ProxyConfigEnvelope(
            text(r.get("mesh")),
            text(r.get("proxy")),
            text(r.get("version")),
            text(r.get("flavour")),
            texts(r.get("edsClusters")));
      } catch (IOException | RuntimeException e) {
        throw new SerializationException(
            "cannot read the envelope of a ProxyConfig with writer schema id " + id, e);
      }
    }

    private static Schema envelopeSchema() {
      Schema full = ProxyConfig.getClassSchema();
      List<Schema.Field> fields = new ArrayList<>();
      for (String name : List.of("mesh", "proxy", "version", "flavour", "edsClusters")) {
        Schema.Field f = full.getField(name);
        fields.add(new Schema.Field(f, f.schema()));
      }
      return Schema.createRecord(full.getName(), full.getDoc(), full.getNamespace(), false, fields);
    }

    private static String text(Object value) {
      return value == null ? null : value.toString();
    }

    private static List<String> texts(Object value) {
      if (value == null) {
        return null;
      }
      List<String> out = new ArrayList<>();
      for (Object item : (Iterable<?>) value) {
        out.add(item.toString());
      }
      return out;
    }
  }
}
