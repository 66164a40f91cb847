package dev.chronomesh.events.registry;

import org.apache.avro.Schema;

/** Small record schemas for registry tests, named after how they relate to {@link #V1}. */
final class TestSchemas {
  private TestSchemas() {}

  private static String thing(String fields) {
    return "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\",\"fields\":["
        + fields
        + "]}";
  }

  /** {a: string}. */
  static final String V1 = thing("{\"name\":\"a\",\"type\":\"string\"}");

  /** V1 plus b with a default: compatible with V1 both ways. */
  static final String V2_WITH_DEFAULT =
      thing(
          "{\"name\":\"a\",\"type\":\"string\"},"
              + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");

  /** b without its default: reads V2_WITH_DEFAULT data but not V1 data (transitive failure). */
  static final String V3_B_REQUIRED =
      thing("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"string\"}");

  /** V1 plus a required c: cannot read V1 data (not BACKWARD), V1 reads it (FORWARD). */
  static final String V2_REQUIRED =
      thing("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"int\"}");

  /** a removed, b defaulted: reads V1 data (BACKWARD), V1 cannot read it (not FORWARD). */
  static final String WITHOUT_A = thing("{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}");

  static Schema parse(String json) {
    return new Schema.Parser().parse(json);
  }
}
