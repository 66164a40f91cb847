package dev.chronomesh.xds.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The Dataplane a proxy carries (kuma-dp's {@code --dataplane-file}): a JSON document in Kuma's
 * REST form, in the bootstrap request and then in the node metadata under Kuma's key {@value
 * #METADATA_KEY}. Validated exactly as a {@code PUT} of it would be, for the proxy's own mesh and
 * name.
 */
public final class CarriedDataplane {
  /**
   * Kuma's node metadata key ({@code pkg/core/xds/metadata.go} FieldDataplaneDataplaneResource).
   */
  public static final String METADATA_KEY = "dataplane.resource";

  private static final ObjectMapper JSON = new ObjectMapper();

  private CarriedDataplane() {}

  /**
   * Parses and validates {@code json} as dataplane {@code name} of {@code mesh}.
   *
   * @throws ValidationException naming every problem
   */
  public static DataplaneResource parse(String json, String mesh, String name)
      throws ValidationException {
    JsonNode document;
    try {
      document = JSON.readTree(json);
    } catch (IOException e) {
      throw new ValidationException(List.of(new Violation("", "is not JSON: " + e.getMessage())));
    }
    if (document instanceof ObjectNode object) {
      // Kuma's REST form, as kuma-dp marshals it, carries its KRI: an output-only name.
      object.remove("kri");
    }
    return (DataplaneResource) ResourceType.DATAPLANE.read(document, mesh, name);
  }

  /**
   * The Dataplane in a node's metadata; empty when it carries none.
   *
   * @throws ValidationException naming every problem of one that is carried
   */
  public static Optional<DataplaneResource> fromMetadata(Struct metadata, String mesh, String name)
      throws ValidationException {
    Value value = metadata.getFieldsMap().get(METADATA_KEY);
    if (value == null) {
      return Optional.empty();
    }
    if (value.getKindCase() != Value.KindCase.STRING_VALUE) {
      throw new ValidationException(
          List.of(new Violation(METADATA_KEY, "must be a string holding the Dataplane as JSON")));
    }
    return Optional.of(parse(value.getStringValue(), mesh, name));
  }
}
