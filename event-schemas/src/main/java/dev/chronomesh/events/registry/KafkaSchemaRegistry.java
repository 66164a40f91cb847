package dev.chronomesh.events.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded schema registry: schemas and compatibility levels kept in one compacted,
 * single-partition Kafka topic that every Chronomesh process reads from its beginning.
 *
 * <p>Design, kept small on purpose:
 *
 * <ul>
 *   <li><b>No leader.</b> A schema's global id is derived from its content: the first non-zero
 *       4-byte window of the SHA-256 of its full JSON text ({@code schema.toString()}), sign bit
 *       cleared. Every process that reads the topic therefore agrees on every id, and two processes
 *       registering the same schema at the same time get the same id. A different schema whose id
 *       equals an existing one is a collision: registration fails loudly (error 50001) rather than
 *       handing out an ambiguous id.
 *   <li><b>Records.</b> One record per (subject, schema): key {@code schema/<sha256
 *       hex>/<subject>}, value JSON {@code {"subject","version","id","schema"}}. Compatibility
 *       levels are records too: key {@code config} (global) or {@code config/<subject>}, value JSON
 *       {@code {"subject","compatibilityLevel"}}; a tombstone removes a subject's level. The state
 *       is a function of the latest value per key, so it is the same before and after compaction.
 *   <li><b>Versions.</b> A writer records {@code version = 1 + number of schemas in the subject}. A
 *       subject's versions are its schemas ordered by (recorded version, schema hash) and numbered
 *       from 1, which equals the recorded version unless two processes raced to register different
 *       schemas in one subject (then the tie is broken the same way everywhere). Ids, not versions,
 *       are what the wire format carries.
 *   <li><b>Writes.</b> {@link #register} first catches up to the end of the topic, checks the
 *       schema against the subject's level (default BACKWARD, settable per subject and globally:
 *       NONE, BACKWARD[_TRANSITIVE], FORWARD[_TRANSITIVE], FULL[_TRANSITIVE], checked with Avro's
 *       {@code SchemaCompatibility}), produces with {@code acks=all} and idempotence, and returns
 *       only once its own reader has applied the record (read-your-writes, bounded by the operation
 *       timeout). Registrations in one process are serialized; across processes two incompatible
 *       schemas registered in the same instant could both pass their checks (the topic has no
 *       compare-and-set), which is acceptable for a registry written by Chronomesh's own services.
 *   <li><b>Reads.</b> A background thread tails the topic. A record that cannot be read (bad JSON,
 *       invalid schema, an id or key that does not match its schema) is logged and skipped, never
 *       fatal. A lookup of an unknown id first catches up to the end of the topic.
 * </ul>
 */
public final class KafkaSchemaRegistry implements SchemaRegistry, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaRegistry.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final String SCHEMA_PREFIX = "schema/";
  private static final String GLOBAL_CONFIG_KEY = "config";
  private static final String CONFIG_PREFIX = "config/";
  private static final int MAX_SUBJECT_LENGTH = 255;
  static final int INVALID_SUBJECT = 42208;

  /** The default level when neither the subject nor the registry has one, as in Confluent's. */
  public static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;

  private final String topic;
  private final Duration timeout;
  private final RegistryLog log;
  private final Thread reader;
  private final ReentrantLock writeLock = new ReentrantLock();
  private volatile boolean running = true;

  // Guarded by this. The state is the latest value per key (what compaction keeps).
  private final Map<String, StoredSchema> schemasByKey = new HashMap<>();
  private final Map<Integer, StoredSchema> byId = new HashMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel;

  /** The next offset the reader will apply; every record before it is in the state above. */
  private long appliedOffset;

  private KafkaSchemaRegistry(String topic, Duration timeout, RegistryLog log) {
    this.topic = topic;
    this.timeout = timeout;
    this.log = log;
    this.reader = new Thread(this::readLoop, "schema-registry-reader-" + topic);
    this.reader.setDaemon(true);
  }

  /**
   * Starts a registry on {@code topic} with a 30 s operation timeout: creates the topic when
   * missing (1 partition, compacted, replication min(3, brokers), min.insync.replicas min(2,
   * replication)), reads it to its end, then keeps reading it in a background thread.
   *
   * @param kafkaProperties Kafka client properties (bootstrap.servers and any security settings)
   * @throws SchemaRegistryException when the topic cannot be created or read in time
   */
  public static KafkaSchemaRegistry start(Map<String, Object> kafkaProperties, String topic) {
    return start(kafkaProperties, topic, DEFAULT_TIMEOUT);
  }

  /** As {@link #start(Map, String)}, with {@code timeout} bounding every blocking operation. */
  public static KafkaSchemaRegistry start(
      Map<String, Object> kafkaProperties, String topic, Duration timeout) {
    Objects.requireNonNull(kafkaProperties, "kafkaProperties");
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic must not be blank");
    }
    checkTimeout(timeout);
    return over(KafkaRegistryLog.open(kafkaProperties, topic, timeout), topic, timeout);
  }

  /** A registry over any log (unit tests use an in-memory one); closes the log on failure. */
  static KafkaSchemaRegistry over(RegistryLog log, String topic, Duration timeout) {
    checkTimeout(timeout);
    KafkaSchemaRegistry registry = new KafkaSchemaRegistry(topic, timeout, log);
    registry.reader.start();
    try {
      registry.sync();
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
    LOG.info(
        "Schema registry started topic={} schemas={} offset={}",
        topic,
        registry.schemaCount(),
        registry.appliedOffset());
    return registry;
  }

  private static void checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }

  /** The topic this registry reads and writes. */
  public String topic() {
    return topic;
  }

  // ---------------------------------------------------------------- SchemaRegistry

  @Override
  public int register(String subject, Schema schema) {
    validateSubject(subject);
    Objects.requireNonNull(schema, "schema");
    String text = schema.toString();
    byte[] digest = SchemaIds.sha256(text);
    String hash = SchemaIds.hex(digest);
    int id = SchemaIds.idOf(digest);
    String key = SCHEMA_PREFIX + hash + "/" + subject;

    writeLock.lock();
    try {
      sync();
      int version;
      synchronized (this) {
        if (schemasByKey.containsKey(key)) {
          return id;
        }
        checkNoCollision(id, hash);
        CompatibilityLevel level = effectiveLevel(subject);
        List<Schema> existing = schemasOf(subject).stream().map(StoredSchema::schema).toList();
        List<String> problems = level.check(schema, existing);
        if (!problems.isEmpty()) {
          throw new SchemaRegistryException(
              409,
              "Schema being registered is incompatible with an earlier schema for subject \""
                  + subject
                  + "\" (compatibility "
                  + level
                  + "): "
                  + String.join("; ", problems));
        }
        version = existing.size() + 1;
      }
      ObjectNode value = JSON.createObjectNode();
      value.put("subject", subject);
      value.put("version", version);
      value.put("id", id);
      value.put("schema", text);
      produceAndAwait(key, value.toString());
      synchronized (this) {
        if (!schemasByKey.containsKey(key)) {
          // Only possible when another process wrote a colliding schema just before us.
          checkNoCollision(id, hash);
          throw new SchemaRegistryException(
              50001, "the registry did not accept the schema for subject " + subject);
        }
      }
      LOG.info("Registered schema subject={} version={} id={}", subject, version, id);
      return id;
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public Schema schemaById(int id) {
    synchronized (this) {
      StoredSchema stored = byId.get(id);
      if (stored != null) {
        return stored.schema();
      }
    }
    sync();
    synchronized (this) {
      StoredSchema stored = byId.get(id);
      if (stored == null) {
        throw new SchemaRegistryException(40403, "Schema " + id + " not found");
      }
      return stored.schema();
    }
  }

  @Override
  public boolean isCompatible(String subject, Schema schema) {
    validateSubject(subject);
    Objects.requireNonNull(schema, "schema");
    sync();
    synchronized (this) {
      if (schemasByKey.containsKey(keyOf(subject, schema))) {
        return true;
      }
      List<Schema> existing = schemasOf(subject).stream().map(StoredSchema::schema).toList();
      return effectiveLevel(subject).check(schema, existing).isEmpty();
    }
  }

  // ---------------------------------------------------------------- what the REST protocol needs

  /** Every subject with at least one schema, sorted. */
  public synchronized List<String> subjects() {
    return schemasByKey.values().stream().map(StoredSchema::subject).distinct().sorted().toList();
  }

  /**
   * The version numbers of {@code subject}, ascending.
   *
   * @throws SchemaRegistryException 40401 when the subject has no schema
   */
  public synchronized List<Integer> versions(String subject) {
    int count = requireSubject(subject).size();
    List<Integer> versions = new ArrayList<>(count);
    for (int v = 1; v <= count; v++) {
      versions.add(v);
    }
    return versions;
  }

  /**
   * One version of {@code subject}; {@code -1} means the latest (as in Confluent's REST protocol).
   *
   * @throws SchemaRegistryException 40401 unknown subject, 40402 unknown version, 42202 a version
   *     below 1 other than -1
   */
  public synchronized RegisteredSchema version(String subject, int version) {
    if (version == 0 || version < -1) {
      throw new SchemaRegistryException(
          42202,
          "The specified version '"
              + version
              + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the"
              + " string \"latest\"");
    }
    List<StoredSchema> versions = requireSubject(subject);
    int index = version == -1 ? versions.size() - 1 : version - 1;
    if (index >= versions.size()) {
      throw new SchemaRegistryException(
          40402, "Version " + version + " not found for subject " + subject);
    }
    StoredSchema s = versions.get(index);
    return new RegisteredSchema(subject, index + 1, s.id(), s.schema());
  }

  /** The latest version of {@code subject}. */
  public RegisteredSchema latest(String subject) {
    return version(subject, -1);
  }

  /**
   * The version of {@code subject} that holds {@code schema} (compared by its full JSON text).
   *
   * @throws SchemaRegistryException 40401 unknown subject, 40403 the subject lacks this schema
   */
  public synchronized RegisteredSchema lookup(String subject, Schema schema) {
    Objects.requireNonNull(schema, "schema");
    List<StoredSchema> versions = requireSubject(subject);
    String text = schema.toString();
    for (int i = 0; i < versions.size(); i++) {
      StoredSchema s = versions.get(i);
      if (s.text().equals(text)) {
        return new RegisteredSchema(subject, i + 1, s.id(), s.schema());
      }
    }
    throw new SchemaRegistryException(40403, "Schema not found in subject " + subject);
  }

  /** The registry-wide compatibility level (BACKWARD unless set). */
  public synchronized CompatibilityLevel compatibility() {
    return globalLevel == null ? DEFAULT_LEVEL : globalLevel;
  }

  /** The level set on {@code subject} itself, if any (the global level applies otherwise). */
  public synchronized Optional<CompatibilityLevel> compatibility(String subject) {
    validateSubject(subject);
    return Optional.ofNullable(subjectLevels.get(subject));
  }

  /** The level that applies to {@code subject}: its own, else the global one. */
  public synchronized CompatibilityLevel effectiveCompatibility(String subject) {
    validateSubject(subject);
    return effectiveLevel(subject);
  }

  /** Sets the registry-wide level; returns once this registry has read the change back. */
  public void setCompatibility(CompatibilityLevel level) {
    Objects.requireNonNull(level, "level");
    ObjectNode value = JSON.createObjectNode();
    value.putNull("subject");
    value.put("compatibilityLevel", level.name());
    writeConfig(GLOBAL_CONFIG_KEY, value.toString());
    LOG.info("Set compatibility subject=<global> level={}", level);
  }

  /** Sets {@code subject}'s own level; returns once this registry has read the change back. */
  public void setCompatibility(String subject, CompatibilityLevel level) {
    validateSubject(subject);
    Objects.requireNonNull(level, "level");
    ObjectNode value = JSON.createObjectNode();
    value.put("subject", subject);
    value.put("compatibilityLevel", level.name());
    writeConfig(CONFIG_PREFIX + subject, value.toString());
    LOG.info("Set compatibility subject={} level={}", subject, level);
  }

  /**
   * Removes {@code subject}'s own level (the global level applies again) and returns the removed
   * level.
   *
   * @throws SchemaRegistryException 40408 when the subject has no level of its own
   */
  public CompatibilityLevel deleteCompatibility(String subject) {
    validateSubject(subject);
    CompatibilityLevel removed;
    synchronized (this) {
      removed = subjectLevels.get(subject);
    }
    if (removed == null) {
      throw new SchemaRegistryException(
          40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
    }
    writeConfig(CONFIG_PREFIX + subject, null);
    LOG.info("Removed compatibility subject={} level={}", subject, removed);
    return removed;
  }

  /**
   * Every reason why {@code schema} is not compatible with {@code subject} (empty when it is). With
   * {@code version == -1} (latest) the check is the one registration makes under the subject's
   * level (against every version for transitive levels) and a subject without schemas is
   * compatible; with a version number it is made against that version only.
   *
   * @throws SchemaRegistryException 40401 unknown subject (for a version number), 40402 unknown
   *     version, 42202 invalid version
   */
  public List<String> testCompatibility(String subject, int version, Schema schema) {
    validateSubject(subject);
    Objects.requireNonNull(schema, "schema");
    sync();
    synchronized (this) {
      CompatibilityLevel level = effectiveLevel(subject);
      if (version == -1) {
        List<Schema> existing = schemasOf(subject).stream().map(StoredSchema::schema).toList();
        return level.check(schema, existing);
      }
      return level.checkOne(schema, version(subject, version).schema());
    }
  }

  /** Stops the reader and closes the Kafka clients. */
  @Override
  public void close() {
    running = false;
    log.wakeup();
    if (Thread.currentThread() != reader) {
      try {
        reader.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (reader.isAlive()) {
      LOG.warn("Schema registry reader did not stop in time topic={}", topic);
    }
    log.close();
    synchronized (this) {
      notifyAll();
    }
  }

  // ---------------------------------------------------------------- writing and waiting

  private void writeConfig(String key, String value) {
    writeLock.lock();
    try {
      produceAndAwait(key, value);
    } finally {
      writeLock.unlock();
    }
  }

  private void produceAndAwait(String key, String value) {
    awaitApplied(log.append(key, value) + 1);
  }

  /** Waits until the reader has applied every record that is in the log now. */
  private void sync() {
    awaitApplied(log.endOffset());
  }

  private synchronized void awaitApplied(long offset) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (appliedOffset < offset) {
      if (!running) {
        throw new SchemaRegistryException(50001, "the schema registry is closed");
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new SchemaRegistryException(
            50002,
            "timed out after "
                + timeout
                + " waiting to read schema topic "
                + topic
                + " up to offset "
                + offset
                + " (read up to "
                + appliedOffset
                + ")");
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException("interrupted while reading schema topic " + topic, e);
      }
    }
  }

  // ---------------------------------------------------------------- reading

  private void readLoop() {
    while (running) {
      try {
        List<RegistryLog.Entry> records = log.poll(Duration.ofMillis(500));
        long position = log.position();
        synchronized (this) {
          for (RegistryLog.Entry record : records) {
            apply(record);
          }
          if (position > appliedOffset) {
            appliedOffset = position;
          }
          notifyAll();
        }
      } catch (RuntimeException e) {
        if (running) {
          LOG.warn(
              "Schema registry reader failed, retrying topic={} error={}", topic, e.toString());
        }
      }
    }
  }

  /** Applies one record; malformed records are logged and skipped. Called with this locked. */
  private void apply(RegistryLog.Entry record) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    try {
      if (key == null) {
        throw new IllegalArgumentException("record has no key");
      }
      if (key.startsWith(SCHEMA_PREFIX)) {
        applySchema(key, record.value());
      } else if (key.equals(GLOBAL_CONFIG_KEY) || key.startsWith(CONFIG_PREFIX)) {
        applyConfig(key, record.value());
      } else {
        throw new IllegalArgumentException("unknown key");
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Skipping malformed schema registry record topic={} offset={} key={} reason={}",
          topic,
          record.offset(),
          key,
          e.getMessage());
    }
  }

  private void applySchema(String key, byte[] rawValue) {
    if (rawValue == null) {
      StoredSchema removed = schemasByKey.remove(key);
      if (removed != null) {
        rebuildIds();
      }
      return;
    }
    JsonNode value = readObject(rawValue);
    String subject = requiredText(value, "subject");
    String text = requiredText(value, "schema");
    JsonNode versionNode = value.get("version");
    JsonNode idNode = value.get("id");
    if (versionNode == null || !versionNode.canConvertToInt() || versionNode.asInt() < 1) {
      throw new IllegalArgumentException("version must be a positive int");
    }
    if (idNode == null || !idNode.canConvertToInt()) {
      throw new IllegalArgumentException("id must be an int");
    }
    byte[] digest = SchemaIds.sha256(text);
    String hash = SchemaIds.hex(digest);
    int id = SchemaIds.idOf(digest);
    if (id != idNode.asInt()) {
      throw new IllegalArgumentException(
          "id " + idNode.asInt() + " does not match the schema (expected " + id + ")");
    }
    if (!key.equals(SCHEMA_PREFIX + hash + "/" + subject)) {
      throw new IllegalArgumentException("key does not match subject and schema");
    }
    StoredSchema byIdNow = byId.get(id);
    if (byIdNow != null && !byIdNow.hash().equals(hash)) {
      throw new IllegalArgumentException(
          "schema id collision: id " + id + " already belongs to a different schema");
    }
    Schema schema = new Schema.Parser().parse(text);
    StoredSchema stored = new StoredSchema(subject, versionNode.asInt(), id, hash, text, schema);
    schemasByKey.put(key, stored);
    byId.putIfAbsent(id, stored);
  }

  private void applyConfig(String key, byte[] rawValue) {
    String subject = key.equals(GLOBAL_CONFIG_KEY) ? null : key.substring(CONFIG_PREFIX.length());
    if (rawValue == null) {
      if (subject == null) {
        globalLevel = null;
      } else {
        subjectLevels.remove(subject);
      }
      return;
    }
    JsonNode value = readObject(rawValue);
    String levelName = requiredText(value, "compatibilityLevel");
    CompatibilityLevel level =
        CompatibilityLevel.parse(levelName)
            .orElseThrow(
                () -> new IllegalArgumentException("unknown compatibility level " + levelName));
    if (subject == null) {
      globalLevel = level;
    } else {
      subjectLevels.put(subject, level);
    }
  }

  private void rebuildIds() {
    byId.clear();
    schemasByKey.values().stream()
        .sorted(Comparator.comparing(StoredSchema::hash).thenComparing(StoredSchema::subject))
        .forEach(s -> byId.putIfAbsent(s.id(), s));
  }

  private static JsonNode readObject(byte[] raw) {
    JsonNode node;
    try {
      node = JSON.readTree(raw);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("value is not JSON: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("value is not a JSON object");
    }
    return node;
  }

  private static String requiredText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return value.asText();
  }

  // ---------------------------------------------------------------- state helpers (this locked)

  /** The subject's schemas in version order: (recorded version, hash). */
  private List<StoredSchema> schemasOf(String subject) {
    List<StoredSchema> out = new ArrayList<>();
    for (StoredSchema s : schemasByKey.values()) {
      if (s.subject().equals(subject)) {
        out.add(s);
      }
    }
    out.sort(
        Comparator.comparingInt(StoredSchema::recordedVersion).thenComparing(StoredSchema::hash));
    return out;
  }

  private List<StoredSchema> requireSubject(String subject) {
    validateSubject(subject);
    List<StoredSchema> versions = schemasOf(subject);
    if (versions.isEmpty()) {
      throw new SchemaRegistryException(40401, "Subject '" + subject + "' not found.");
    }
    return versions;
  }

  private CompatibilityLevel effectiveLevel(String subject) {
    CompatibilityLevel own = subjectLevels.get(subject);
    if (own != null) {
      return own;
    }
    return globalLevel == null ? DEFAULT_LEVEL : globalLevel;
  }

  private void checkNoCollision(int id, String hash) {
    StoredSchema other = byId.get(id);
    if (other != null && !other.hash().equals(hash)) {
      throw new SchemaRegistryException(
          50001,
          "schema id collision: the content-derived id "
              + id
              + " already belongs to a different schema (subject "
              + other.subject()
              + "); change the schema (e.g. its doc) to register it");
    }
  }

  private synchronized int schemaCount() {
    return schemasByKey.size();
  }

  /** The next offset the reader will apply (for tests and logs). */
  synchronized long appliedOffset() {
    return appliedOffset;
  }

  private static String keyOf(String subject, Schema schema) {
    return SCHEMA_PREFIX + SchemaIds.hex(SchemaIds.sha256(schema.toString())) + "/" + subject;
  }

  /**
   * Checks a subject name: not blank, at most 255 characters, no control characters.
   *
   * @throws SchemaRegistryException 42208 (invalid subject) when it is not
   */
  static void validateSubject(String subject) {
    String problem = subjectProblem(subject);
    if (problem != null) {
      throw new SchemaRegistryException(INVALID_SUBJECT, problem);
    }
  }

  /** What is wrong with a subject name, or null when nothing is. */
  static String subjectProblem(String subject) {
    if (subject == null || subject.isBlank()) {
      return "subject must not be blank";
    }
    if (subject.length() > MAX_SUBJECT_LENGTH) {
      return "subject must have at most " + MAX_SUBJECT_LENGTH + " characters";
    }
    for (int i = 0; i < subject.length(); i++) {
      if (Character.isISOControl(subject.charAt(i))) {
        return "subject must not contain control characters";
      }
    }
    return null;
  }

  /** One (subject, schema) record as read from the topic. */
  private record StoredSchema(
      String subject, int recordedVersion, int id, String hash, String text, Schema schema) {}

  /** For logs and tests: a summary of the state. */
  @Override
  public synchronized String toString() {
    Map<String, Integer> perSubject = new TreeMap<>();
    schemasByKey.values().forEach(s -> perSubject.merge(s.subject(), 1, Integer::sum));
    return "KafkaSchemaRegistry[topic=" + topic + ", subjects=" + perSubject + "]";
  }
}
