package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.EncryptedData;
import dev.chronomesh.events.avro.SecretResource;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Kuma's Secret (universal format: {@code type: Secret, name, mesh, labels, data: <base64>}) ⇄
 * {@link SecretResource}. The decoded value is sealed at once and only the sealed form is kept; no
 * message, log line or exception ever quotes the value or its base64 form.
 */
final class SecretMapper implements ResourceMapper<SecretResource> {
  /** The largest decoded value accepted. */
  static final int MAX_VALUE_BYTES = 64 * 1024;

  /** The longest base64 text that can decode to at most {@link #MAX_VALUE_BYTES}, with padding. */
  private static final int MAX_ENCODED_CHARS = (MAX_VALUE_BYTES + 2) / 3 * 4;

  @Override
  public Class<SecretResource> recordClass() {
    return SecretResource.class;
  }

  @Override
  public Set<String> specFields() {
    return Set.of("data");
  }

  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of();
  }

  @Override
  public boolean sensitive() {
    return true;
  }

  @Override
  public SecretResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    Obj doc = Obj.of(document, "", violations);
    byte[] value = decode(doc);
    try {
      if (value == null || !violations.isEmpty()) {
        return null;
      }
      if (sealer == null) {
        throw new IllegalStateException(
            "a Secret cannot be stored without a Sealer: use ResourceType.parse with one");
      }
      EncryptedData sealed = sealer.seal(value);
      return new SecretResource(
          metadata.name(), metadata.mesh(), new HashMap<>(metadata.labels()), sealed);
    } finally {
      if (value != null) {
        Arrays.fill(value, (byte) 0);
      }
    }
  }

  /** The decoded value, or null with a violation (that never quotes the value). */
  private static byte[] decode(Obj doc) {
    JsonNode raw = doc.raw("data");
    if (raw == null) {
      doc.violations().add("data", "cannot be empty");
      return null;
    }
    if (!raw.isTextual()) {
      doc.violations().add("data", "must be a string: the value encoded in base64");
      return null;
    }
    String text = raw.textValue();
    if (text.isEmpty()) {
      doc.violations().add("data", "cannot be empty");
      return null;
    }
    if (text.length() > MAX_ENCODED_CHARS + 2) {
      doc.violations().add("data", tooLarge());
      return null;
    }
    byte[] value = base64(text);
    if (value == null) {
      doc.violations()
          .add("data", "must be valid base64 (standard or URL-safe alphabet, no line breaks)");
      return null;
    }
    if (value.length == 0) {
      doc.violations().add("data", "cannot be empty");
      return null;
    }
    if (value.length > MAX_VALUE_BYTES) {
      Arrays.fill(value, (byte) 0);
      doc.violations().add("data", tooLarge());
      return null;
    }
    return value;
  }

  private static String tooLarge() {
    return "the decoded value must be at most " + MAX_VALUE_BYTES + " bytes";
  }

  /** Standard base64 as Kuma's protobuf JSON writes it; URL-safe as protojson also reads it. */
  private static byte[] base64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException standardFailed) {
      try {
        return Base64.getUrlDecoder().decode(text);
      } catch (IllegalArgumentException urlSafeFailed) {
        // The exception's message may quote an input character: it is dropped.
        return null;
      }
    }
  }

  @Override
  public void write(SecretResource secret, ObjectNode document, Sealer opener) {
    if (opener == null || CaSecrets.isPrivateKey(secret.getMesh(), secret.getName())) {
      return;
    }
    byte[] value = opener.open(secret.getData());
    try {
      document.put("data", Base64.getEncoder().encodeToString(value));
    } finally {
      Arrays.fill(value, (byte) 0);
    }
  }

  @Override
  public String name(SecretResource resource) {
    return resource.getName();
  }

  @Override
  public String mesh(SecretResource resource) {
    return resource.getMesh();
  }

  @Override
  public Map<String, String> labels(SecretResource resource) {
    return resource.getLabels();
  }
}
