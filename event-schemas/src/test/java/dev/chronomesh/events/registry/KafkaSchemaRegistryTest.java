package dev.chronomesh.events.registry;

import static dev.chronomesh.events.registry.TestSchemas.V1;
import static dev.chronomesh.events.registry.TestSchemas.V2_REQUIRED;
import static dev.chronomesh.events.registry.TestSchemas.V2_WITH_DEFAULT;
import static dev.chronomesh.events.registry.TestSchemas.V3_B_REQUIRED;
import static dev.chronomesh.events.registry.TestSchemas.WITHOUT_A;
import static dev.chronomesh.events.registry.TestSchemas.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry's logic over an in-memory log (the Kafka-backed log is covered by the IT). */
class KafkaSchemaRegistryTest {
  private final InMemoryRegistryLog log = new InMemoryRegistryLog();
  private final KafkaSchemaRegistry registry =
      KafkaSchemaRegistry.over(log, "t.schemas", Duration.ofSeconds(10));

  @AfterEach
  void close() {
    registry.close();
  }

  private static int expectedId(String json) {
    return SchemaIds.idOf(SchemaIds.sha256(parse(json).toString()));
  }

  private static SchemaRegistryException refusal(Runnable r) {
    try {
      r.run();
    } catch (SchemaRegistryException e) {
      return e;
    }
    throw new AssertionError("expected a SchemaRegistryException");
  }

  @Test
  void idsAreDerivedFromTheSchemaTextAndRegistrationIsIdempotent() {
    int id = registry.register("s-value", parse(V1));

    assertThat(id).isEqualTo(expectedId(V1)).isPositive();
    assertThat(registry.register("s-value", parse(V1))).isEqualTo(id);
    assertThat(registry.register("other-value", parse(V1))).isEqualTo(id);
    assertThat(log.size()).isEqualTo(2);
    assertThat(registry.schemaById(id)).isEqualTo(parse(V1));
    assertThat(registry.subjects()).containsExactly("other-value", "s-value");
  }

  @Test
  void versionsCountFromOneAndLookupFindsThem() {
    int id1 = registry.register("s", parse(V1));
    int id2 = registry.register("s", parse(V2_WITH_DEFAULT));

    assertThat(registry.versions("s")).containsExactly(1, 2);
    assertThat(registry.version("s", 1)).isEqualTo(new RegisteredSchema("s", 1, id1, parse(V1)));
    assertThat(registry.latest("s").id()).isEqualTo(id2);
    assertThat(registry.version("s", -1).version()).isEqualTo(2);
    assertThat(registry.lookup("s", parse(V2_WITH_DEFAULT)).version()).isEqualTo(2);
    assertThat(refusal(() -> registry.version("s", 3)).errorCode()).isEqualTo(40402);
    assertThat(refusal(() -> registry.version("s", 0)).errorCode()).isEqualTo(42202);
    assertThat(refusal(() -> registry.versions("nope")).errorCode()).isEqualTo(40401);
    assertThat(refusal(() -> registry.lookup("nope", parse(V1))).errorCode()).isEqualTo(40401);
    assertThat(refusal(() -> registry.lookup("s", parse(V2_REQUIRED))).errorCode())
        .isEqualTo(40403);
    assertThat(refusal(() -> registry.schemaById(1)).errorCode()).isEqualTo(40403);
  }

  @Test
  void backwardIsTheDefaultAndRefusesAFieldWithoutDefault() {
    registry.register("s", parse(V1));

    assertThat(registry.compatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
    assertThat(registry.isCompatible("s", parse(V2_REQUIRED))).isFalse();
    SchemaRegistryException e = refusal(() -> registry.register("s", parse(V2_REQUIRED)));
    assertThat(e.errorCode()).isEqualTo(409);
    assertThat(e.getMessage()).contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("c");
    assertThat(registry.versions("s")).containsExactly(1);
    assertThat(registry.register("s", parse(WITHOUT_A))).isPositive();
  }

  @Test
  void backwardTransitiveChecksEveryVersion() {
    registry.register("plain", parse(V1));
    registry.register("plain", parse(V2_WITH_DEFAULT));
    registry.register("transitive", parse(V1));
    registry.register("transitive", parse(V2_WITH_DEFAULT));
    registry.setCompatibility("transitive", CompatibilityLevel.BACKWARD_TRANSITIVE);

    assertThat(registry.register("plain", parse(V3_B_REQUIRED))).isPositive();
    assertThat(refusal(() -> registry.register("transitive", parse(V3_B_REQUIRED))).errorCode())
        .isEqualTo(409);
    // Against version 2 alone the schema is fine; against "latest" the level's rule applies.
    assertThat(registry.testCompatibility("transitive", 2, parse(V3_B_REQUIRED))).isEmpty();
    assertThat(registry.testCompatibility("transitive", -1, parse(V3_B_REQUIRED))).isNotEmpty();
  }

  @Test
  void forwardAndFullCheckThatOldReadersReadNewData() {
    registry.register("f", parse(V1));
    registry.register("full", parse(V1));
    registry.setCompatibility("f", CompatibilityLevel.FORWARD);
    registry.setCompatibility("full", CompatibilityLevel.FULL);

    assertThat(refusal(() -> registry.register("f", parse(WITHOUT_A))).errorCode()).isEqualTo(409);
    assertThat(registry.isCompatible("f", parse(V2_REQUIRED))).isTrue();
    assertThat(registry.isCompatible("full", parse(V2_REQUIRED))).isFalse();
    assertThat(registry.isCompatible("full", parse(WITHOUT_A))).isFalse();
    assertThat(registry.register("full", parse(V2_WITH_DEFAULT))).isPositive();
  }

  @Test
  void noneAcceptsAnythingAndSubjectLevelsOverrideTheGlobalOne() {
    registry.register("s", parse(V1));
    registry.setCompatibility(CompatibilityLevel.NONE);

    assertThat(registry.isCompatible("s", parse(V2_REQUIRED))).isTrue();
    registry.setCompatibility("s", CompatibilityLevel.BACKWARD);
    assertThat(registry.isCompatible("s", parse(V2_REQUIRED))).isFalse();
    assertThat(registry.compatibility("s")).contains(CompatibilityLevel.BACKWARD);

    assertThat(registry.deleteCompatibility("s")).isEqualTo(CompatibilityLevel.BACKWARD);
    assertThat(registry.compatibility("s")).isEmpty();
    assertThat(registry.effectiveCompatibility("s")).isEqualTo(CompatibilityLevel.NONE);
    assertThat(refusal(() -> registry.deleteCompatibility("s")).errorCode()).isEqualTo(40408);
    assertThat(registry.register("s", parse(V2_REQUIRED))).isPositive();
  }

  @Test
  void anotherRegistryOnTheSameLogSeesTheSameIdsVersionsAndLevels() {
    int id = registry.register("s", parse(V1));
    registry.setCompatibility("s", CompatibilityLevel.FULL);

    try (KafkaSchemaRegistry other =
        KafkaSchemaRegistry.over(log.sharing(), "t.schemas", Duration.ofSeconds(10))) {
      assertThat(other.schemaById(id)).isEqualTo(parse(V1));
      assertThat(other.register("s", parse(V1))).isEqualTo(id);
      assertThat(other.compatibility("s")).contains(CompatibilityLevel.FULL);
      int id2 = other.register("s", parse(V2_WITH_DEFAULT));
      // the first registry catches up before answering about an id it has not seen
      assertThat(registry.schemaById(id2)).isEqualTo(parse(V2_WITH_DEFAULT));
      assertThat(registry.versions("s")).containsExactly(1, 2);
    }
  }

  @Test
  void malformedRecordsAreSkipped() {
    Schema schema = parse(V1);
    String text = schema.toString();
    String hash = SchemaIds.hex(SchemaIds.sha256(text));
    int id = SchemaIds.idOf(SchemaIds.sha256(text));
    InMemoryRegistryLog writer = log.sharing();
    writer.appendRaw(null, bytes("{}"));
    writer.appendRaw(bytes("unknown/key"), bytes("{}"));
    writer.appendRaw(bytes("schema/" + hash + "/s"), bytes("not json"));
    writer.appendRaw(bytes("schema/" + hash + "/s"), bytes("[1]"));
    writer.append(
        "schema/" + hash + "/s",
        "{\"subject\":\"s\",\"version\":1,\"id\":" + (id + 1) + ",\"schema\":" + quote(text) + "}");
    writer.append(
        "schema/" + hash + "/other",
        "{\"subject\":\"s\",\"version\":1,\"id\":" + id + ",\"schema\":" + quote(text) + "}");
    writer.append("schema/00/s", "{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":\"{bad\"}");
    writer.append("config", "{\"compatibilityLevel\":\"SIDEWAYS\"}");
    writer.append("config/s", "{}");

    try (KafkaSchemaRegistry fresh =
        KafkaSchemaRegistry.over(log.sharing(), "t.schemas", Duration.ofSeconds(10))) {
      assertThat(fresh.subjects()).isEmpty();
      assertThat(fresh.compatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
      assertThat(fresh.register("s", schema)).isEqualTo(id);
      assertThat(fresh.versions("s")).containsExactly(1);
    }
    assertThat(registry.schemaById(id)).isEqualTo(schema);
  }

  @Test
  void rejectsInvalidSubjects() {
    assertThat(refusal(() -> registry.register(" ", parse(V1))).errorCode()).isEqualTo(42208);
    assertThat(refusal(() -> registry.register("a\nb", parse(V1))).errorCode()).isEqualTo(42208);
    assertThat(refusal(() -> registry.register("x".repeat(256), parse(V1))).errorCode())
        .isEqualTo(42208);
    assertThatThrownBy(() -> registry.register("s", null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void idsArePositiveAndNeverZero() {
    assertThat(SchemaIds.idOf(new byte[32])).isEqualTo(1);
    byte[] digest = new byte[32];
    digest[0] = (byte) 0x80; // only the sign bit: the first window is 0 once it is cleared
    digest[5] = 7;
    assertThat(SchemaIds.idOf(digest)).isEqualTo(7 << 16);
    for (String json : List.of(V1, V2_WITH_DEFAULT, V2_REQUIRED, V3_B_REQUIRED, WITHOUT_A)) {
      assertThat(expectedId(json)).isPositive();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
  }
}
