package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.InboundHealth;
import dev.chronomesh.events.avro.Outbound;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Kuma's Dataplane (universal format) ⇄ {@link DataplaneResource}. */
final class DataplaneMapper implements ResourceMapper<DataplaneResource> {
  private static final Set<String> STATES = Set.of("Ready", "NotReady", "Ignored");

  @Override
  public Class<DataplaneResource> recordClass() {
    return DataplaneResource.class;
  }

  @Override
  public Set<String> specFields() {
    return Set.of("networking");
  }

  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of("metrics", "probes");
  }

  @Override
  public DataplaneResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations) {
    Obj doc = Obj.of(document, "", violations);
    Obj networking = doc.object("networking");
    if (networking == null) {
      if (doc.raw("networking") == null) {
        violations.add("networking", "cannot be empty");
      }
      return null;
    }
    networking.rejectUnknown(
        Set.of("address", "advertisedAddress", "inbound", "outbound"),
        Set.of("gateway", "transparentProxying", "admin"));
    String address = address(networking, "address", true);
    String advertised = address(networking, "advertisedAddress", false);

    List<Inbound> inbounds = new ArrayList<>();
    List<JsonNode> inboundNodes = networking.array("inbound");
    for (int i = 0; i < inboundNodes.size(); i++) {
      Obj inbound =
          Obj.of(inboundNodes.get(i), Violations.index(networking.path("inbound"), i), violations);
      if (inbound != null) {
        inbounds.add(inbound(inbound));
      }
    }
    JsonNode rawInbound = networking.raw("inbound");
    if (inboundNodes.isEmpty() && (rawInbound == null || rawInbound.isArray())) {
      violations.add("networking", "has to contain at least one inbound interface");
    }

    List<Outbound> outbounds = new ArrayList<>();
    List<JsonNode> outboundNodes = networking.array("outbound");
    for (int i = 0; i < outboundNodes.size(); i++) {
      Obj outbound =
          Obj.of(
              outboundNodes.get(i), Violations.index(networking.path("outbound"), i), violations);
      if (outbound != null) {
        outbounds.add(outbound(outbound));
      }
    }
    if (!violations.isEmpty()) {
      return null;
    }
    return new DataplaneResource(
        metadata.name(),
        metadata.mesh(),
        new HashMap<>(metadata.labels()),
        address,
        advertised,
        inbounds,
        outbounds,
        null,
        null,
        null);
  }

  private static Inbound inbound(Obj inbound) {
    inbound.rejectUnknown(
        Set.of("port", "servicePort", "address", "serviceAddress", "tags", "state", "health"),
        Set.of("name", "serviceProbe", "protocol"));
    Integer port = inbound.port("port", true);
    Integer servicePort = inbound.port("servicePort", false);
    String address = address(inbound, "address", false);
    String serviceAddress = address(inbound, "serviceAddress", false);
    Map<String, String> tags = tags(inbound);
    String state = inbound.string("state", false);
    if (state != null && !STATES.contains(state)) {
      inbound
          .violations()
          .add(
              inbound.path("state"),
              "must be one of: Ready, NotReady, Ignored; got \"" + state + "\"");
    }
    InboundHealth health = null;
    Obj healthObj = inbound.object("health");
    if (healthObj != null) {
      healthObj.rejectUnknown(Set.of("ready"), Set.of());
      Boolean ready = healthObj.bool("ready");
      // As in Kuma (a protobuf bool), a health section without ready means not ready.
      health = new InboundHealth(ready != null && ready);
    }
    return new Inbound(
        port == null ? 0 : port, servicePort, address, serviceAddress, tags, state, health);
  }

  private static Outbound outbound(Obj outbound) {
    outbound.rejectUnknown(Set.of("port", "address", "tags"), Set.of("backendRef"));
    Integer port = outbound.port("port", true);
    String address = address(outbound, "address", false);
    Map<String, String> tags = tags(outbound);
    return new Outbound(port == null ? 0 : port, address, tags);
  }

  /** Tags of an inbound or outbound: valid keys and values, kuma.io/service required. */
  private static Map<String, String> tags(Obj owner) {
    String tagsPath = owner.path("tags");
    JsonNode raw = owner.raw("tags");
    Map<String, String> tags = owner.stringMap("tags");
    Map<String, String> valid = new TreeMap<>();
    tags.forEach(
        (key, value) -> {
          String reason = Checks.tagKey(key);
          if (reason == null) {
            reason = Checks.tagValue(value);
          }
          if (reason != null) {
            owner.violations().add(Violations.key(tagsPath, key), reason);
          } else {
            valid.put(key, value);
          }
        });
    boolean tagsAreAnObject = raw == null || raw.isObject();
    if (tagsAreAnObject && (raw == null || !raw.has(Checks.SERVICE_TAG))) {
      owner.violations().add(Violations.key(tagsPath, Checks.SERVICE_TAG), "tag has to exist");
    }
    return new HashMap<>(valid);
  }

  private static String address(Obj owner, String field, boolean required) {
    String value = owner.string(field, required);
    if (value == null) {
      return null;
    }
    String reason = Checks.address(value);
    if (reason != null) {
      owner.violations().add(owner.path(field), reason);
      return null;
    }
    return value;
  }

  @Override
  public void write(DataplaneResource dataplane, ObjectNode document) {
    ObjectNode networking = document.putObject("networking");
    networking.put("address", dataplane.getAddress());
    if (dataplane.getAdvertisedAddress() != null) {
      networking.put("advertisedAddress", dataplane.getAdvertisedAddress());
    }
    if (!dataplane.getInbound().isEmpty()) {
      ArrayNode inbound = networking.putArray("inbound");
      for (Inbound in : dataplane.getInbound()) {
        ObjectNode o = inbound.addObject();
        o.put("port", in.getPort());
        if (in.getServicePort() != null) {
          o.put("servicePort", in.getServicePort());
        }
        if (in.getAddress() != null) {
          o.put("address", in.getAddress());
        }
        if (in.getServiceAddress() != null) {
          o.put("serviceAddress", in.getServiceAddress());
        }
        putSorted(o.putObject("tags"), in.getTags());
        if (in.getState() != null) {
          o.put("state", in.getState());
        }
        if (in.getHealth() != null) {
          o.putObject("health").put("ready", in.getHealth().getReady());
        }
      }
    }
    if (!dataplane.getOutbound().isEmpty()) {
      ArrayNode outbound = networking.putArray("outbound");
      for (Outbound out : dataplane.getOutbound()) {
        ObjectNode o = outbound.addObject();
        o.put("port", out.getPort());
        if (out.getAddress() != null) {
          o.put("address", out.getAddress());
        }
        putSorted(o.putObject("tags"), out.getTags());
      }
    }
  }

  private static void putSorted(ObjectNode into, Map<String, String> map) {
    new TreeMap<>(map).forEach(into::put);
  }

  @Override
  public String name(DataplaneResource resource) {
    return resource.getName();
  }

  @Override
  public String mesh(DataplaneResource resource) {
    return resource.getMesh();
  }

  @Override
  public Map<String, String> labels(DataplaneResource resource) {
    return resource.getLabels();
  }
}
