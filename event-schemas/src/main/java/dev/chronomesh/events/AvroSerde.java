package dev.chronomesh.events;

import dev.chronomesh.events.registry.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes generated Avro records in the Confluent wire format: byte 0 (magic), the writer
 * schema's registry id as a 4-byte big-endian int, then Avro binary. Subjects follow the
 * TopicNameStrategy ({@code <topic>-value} or {@code <topic>-key}). Reads resolve the writer's
 * schema (fetched by id, cached) against this class's schema, so old and new events both read;
 * records written in a form today's code no longer uses are upcast ({@link LegacyPolicyPayloads}).
 */
public final class AvroSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {
  private static final byte MAGIC = 0;

  /** The magic byte and the 4-byte schema id before the Avro binary. */
  static final int HEADER_BYTES = 5;

  private final SchemaRegistry registry;
  private final Schema readerSchema;
  private final boolean isKey;
  private final ConcurrentHashMap<String, Integer> idBySubject = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, SpecificDatumReader<T>> readers =
      new ConcurrentHashMap<>();
  private final SpecificDatumWriter<T> writer;

  public AvroSerde(SchemaRegistry registry, Class<T> type, boolean isKey) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readerSchema = SpecificData.get().getSchema(type);
    this.isKey = isKey;
    this.writer = new SpecificDatumWriter<>(readerSchema);
  }

  /** A value serde for {@code type}. */
  public static <T extends SpecificRecord> AvroSerde<T> forValues(
      SchemaRegistry registry, Class<T> type) {
    return new AvroSerde<>(registry, type, false);
  }

  public Schema schema() {
    return readerSchema;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    String subject = topic + (isKey ? "-key" : "-value");
    int id = idBySubject.computeIfAbsent(subject, s -> registry.register(s, readerSchema));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(MAGIC);
    out.write(id >>> 24);
    out.write(id >>> 16);
    out.write(id >>> 8);
    out.write(id);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      writer.write(data, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot serialize " + readerSchema.getFullName(), e);
    }
    return out.toByteArray();
  }

  @Override
  public T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    int id = writerSchemaId(topic, bytes);
    SpecificDatumReader<T> reader =
        readers.computeIfAbsent(
            id, i -> new SpecificDatumReader<>(registry.schemaById(i), readerSchema));
    BinaryDecoder decoder =
        DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, null);
    try {
      return LegacyPolicyPayloads.upcast(reader.read(null, decoder));
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot read " + readerSchema.getFullName() + " with writer schema id " + id, e);
    }
  }

  /**
   * The registry id of the schema {@code bytes} were written with; the Avro binary starts at offset
   * {@value #HEADER_BYTES}.
   *
   * @throws SerializationException when the bytes are not in the Confluent wire format
   */
  static int writerSchemaId(String topic, byte[] bytes) {
    if (bytes.length < HEADER_BYTES || bytes[0] != MAGIC) {
      throw new SerializationException(
          "not in the Confluent wire format (magic byte 0 and a schema id): topic " + topic);
    }
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(java.util.Map<String, ?> configs, boolean key) {}

  @Override
  public void close() {}
}
