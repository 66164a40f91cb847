package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kuma's MeshService (universal format: {@code type, name, mesh, labels, spec}) ⇄ the policy
 * envelope {@link PolicyResource} with type {@value MeshService#TYPE}. Validation is Kuma 2.14's
 * REST path: the OpenAPI schema ({@code
 * pkg/core/resources/apis/meshservice/api/v1alpha1/rest.yaml}) and its {@code validator.go} (a name
 * of at most 63 characters, one selector at most).
 *
 * <p>{@code status}, {@code kri} and {@code snis} are read-only in Kuma's schema and Kuma's PUT
 * keeps only the spec ({@code resource_endpoints.go} sets meta and spec): they are accepted and
 * ignored, as {@code creationTime} is. {@code spec.state} is also Kuma's control plane's to write
 * (its status updater sets it from the endpoints' health; only MeshMultiZoneService across zones
 * reads it): accepted, checked against Kuma's enum, and ignored. {@code spec.identities} (the
 * identities of the service's workloads, for mTLS) is refused as not supported yet.
 */
final class MeshServiceMapper extends EnvelopeMapper {
  /** Kuma's maxNameLength of a MeshService. */
  static final int MAX_NAME_LENGTH = 63;

  private static final ObjectMapper CANONICAL =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  MeshServiceMapper() {
    super(MeshService.TYPE);
  }

  @Override
  public Set<String> specFields() {
    return Set.of("spec", "status", "kri", "snis");
  }

  @Override
  public PolicyResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    if (metadata.name().length() > MAX_NAME_LENGTH) {
      violations.add("name", "must not be longer than " + MAX_NAME_LENGTH + " characters");
    }
    ObjectNode spec = JsonNodeFactory.instance.objectNode();
    Obj root = Obj.of(document, "", violations);
    Obj given = root.object("spec");
    if (given != null) {
      spec = spec(given);
    }
    if (!violations.isEmpty()) {
      return null;
    }
    return PolicyResource.newBuilder()
        .setType(MeshService.TYPE)
        .setName(metadata.name())
        .setMesh(metadata.mesh())
        .setLabels(new HashMap<>(metadata.labels()))
        .setSpec(canonical(spec))
        .build();
  }

  /** The validated spec, with Kuma's defaults left out (appProtocol tcp is read as the default). */
  private static ObjectNode spec(Obj spec) {
    spec.rejectUnknown(Set.of("selector", "ports", "state", "identities"), Set.of());
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (spec.raw("identities") != null) {
      spec.violations()
          .notSupportedYet(
              spec.path("identities"),
              "service identities are for mTLS, which Chronomesh does not generate yet");
    }
    String state = spec.string("state", false);
    if (state != null && !List.of("Available", "Unavailable").contains(state)) {
      spec.violations().add(spec.path("state"), "must be one of Available, Unavailable");
    }
    Obj selector = spec.object("selector");
    if (selector != null) {
      out.set("selector", selector(selector));
    }
    var ports = out.putArray("ports");
    for (Obj port : spec.objects("ports")) {
      ports.add(port(port));
    }
    return out;
  }

  private static ObjectNode selector(Obj selector) {
    selector.rejectUnknown(Set.of("dataplaneTags", "dataplaneRef", "dataplaneLabels"), Set.of());
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    int set = 0;
    if (selector.raw("dataplaneTags") != null) {
      set++;
      ObjectNode tags = out.putObject("dataplaneTags");
      new TreeMap<>(selector.stringMap("dataplaneTags")).forEach(tags::put);
    }
    Obj ref = selector.object("dataplaneRef");
    if (ref != null) {
      set++;
      ref.rejectUnknown(Set.of("name"), Set.of());
      String name = ref.string("name", false);
      out.putObject("dataplaneRef").put("name", name == null ? "" : name);
    }
    Obj labels = selector.object("dataplaneLabels");
    if (labels != null) {
      set++;
      labels.rejectUnknown(Set.of("matchLabels"), Set.of());
      ObjectNode match = out.putObject("dataplaneLabels").putObject("matchLabels");
      new TreeMap<>(labels.stringMap("matchLabels")).forEach(match::put);
    }
    if (set > 1) {
      selector
          .violations()
          .add(
              selector.path(),
              "must specify only one of: dataplaneTags, dataplaneRef, or dataplaneLabels");
    }
    return out;
  }

  private static ObjectNode port(Obj port) {
    port.rejectUnknown(Set.of("name", "port", "targetPort", "appProtocol"), Set.of());
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    JsonNode number = port.raw("port");
    if (number == null) {
      port.violations().add(port.path("port"), "is required");
    } else if (!number.canConvertToInt() || !number.isIntegralNumber()) {
      port.violations().add(port.path("port"), "must be a 32-bit integer");
    } else {
      out.put("port", number.intValue());
    }
    String name = port.string("name", false);
    if (name != null) {
      out.put("name", name);
    }
    JsonNode target = port.raw("targetPort");
    if (target != null) {
      if (target.isIntegralNumber() && target.canConvertToInt()) {
        out.put("targetPort", target.intValue());
      } else if (target.isTextual()) {
        out.put("targetPort", target.textValue());
      } else {
        port.violations().add(port.path("targetPort"), "must be an integer or a string");
      }
    }
    String protocol = port.string("appProtocol", false);
    out.put("appProtocol", protocol == null ? "tcp" : protocol);
    return out;
  }

  private static String canonical(JsonNode node) {
    try {
      return CANONICAL.writeValueAsString(CANONICAL.treeToValue(node, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void write(PolicyResource resource, ObjectNode document, Sealer opener) {
    try {
      document.set("spec", CANONICAL.readTree(resource.getSpec()));
    } catch (IOException e) {
      throw new UncheckedIOException("a stored MeshService spec is not JSON", e);
    }
  }
}
