package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Gateway;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.InboundHealth;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.ProbeEndpoint;
import dev.chronomesh.events.avro.Probes;
import dev.chronomesh.events.avro.TransparentProxying;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Kuma's Dataplane (universal format) ⇄ {@link DataplaneResource}. */
final class DataplaneMapper implements ResourceMapper<DataplaneResource> {
  private static final Set<String> STATES = Set.of("Ready", "NotReady", "Ignored");
  private static final Set<String> GATEWAY_TYPES = Set.of("DELEGATED", "BUILTIN");
  private static final Set<String> IP_FAMILY_MODES = Set.of("IPv4", "IPv6", "DualStack");

  @Override
  public Class<DataplaneResource> recordClass() {
    return DataplaneResource.class;
  }

  @Override
  public Set<String> specFields() {
    return Set.of("networking", "probes");
  }

  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of("metrics");
  }

  @Override
  public DataplaneResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    Obj doc = Obj.of(document, "", violations);
    Probes probes = null;
    Obj probesObj = doc.object("probes");
    if (probesObj != null) {
      probes = probes(probesObj);
    }
    Obj networking = doc.object("networking");
    if (networking == null) {
      if (doc.raw("networking") == null) {
        violations.add("networking", "cannot be empty");
      }
      return null;
    }
    networking.rejectUnknown(
        Set.of(
            "address",
            "advertisedAddress",
            "inbound",
            "outbound",
            "gateway",
            "transparentProxying"),
        Set.of("admin"));
    String address = address(networking, "address", true);
    String advertised = address(networking, "advertisedAddress", false);

    Gateway gateway = null;
    Obj gatewayObj = networking.object("gateway");
    if (gatewayObj != null) {
      gateway = gateway(gatewayObj);
    }

    List<Inbound> inbounds = new ArrayList<>();
    List<JsonNode> inboundNodes = networking.array("inbound");
    for (int i = 0; i < inboundNodes.size(); i++) {
      Obj inbound =
          Obj.of(inboundNodes.get(i), Violations.index(networking.path("inbound"), i), violations);
      if (inbound != null) {
        inbounds.add(inbound(inbound));
      }
    }
    // As Kuma's dataplane validator: a dataplane is either a gateway or has inbounds, never both.
    JsonNode rawInbound = networking.raw("inbound");
    boolean hasGateway = networking.raw("gateway") != null;
    if (hasGateway && !inboundNodes.isEmpty()) {
      violations.add("networking", "inbound cannot be defined both with gateway");
    } else if (!hasGateway
        && inboundNodes.isEmpty()
        && (rawInbound == null || rawInbound.isArray())) {
      violations.add("networking", "has to contain at least one inbound interface or gateway");
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

    TransparentProxying transparentProxying = null;
    Obj tpObj = networking.object("transparentProxying");
    if (tpObj != null) {
      transparentProxying = transparentProxying(tpObj);
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
        gateway,
        transparentProxying,
        probes);
  }

  /** networking.gateway: tags with kuma.io/service, type DELEGATED (default) or BUILTIN. */
  private static Gateway gateway(Obj gateway) {
    gateway.rejectUnknown(Set.of("tags", "type"), Set.of());
    Map<String, String> tags = tags(gateway);
    String type = gateway.string("type", false);
    if (type == null || type.isEmpty()) {
      type = "DELEGATED";
    } else if (!GATEWAY_TYPES.contains(type)) {
      gateway
          .violations()
          .add(
              gateway.path("type"),
              "must be one of: DELEGATED, BUILTIN; got \"" + Checks.excerpt(type) + "\"");
    }
    return new Gateway(tags, type);
  }

  /** networking.transparentProxying; an absent redirect port is stored as 0 (Kuma's default). */
  private static TransparentProxying transparentProxying(Obj tp) {
    tp.rejectUnknown(
        Set.of(
            "redirectPortInbound",
            "redirectPortOutbound",
            "directAccessServices",
            "reachableServices",
            "ipFamilyMode"),
        Set.of("redirectPortInboundV6", "reachableBackends"));
    Integer inbound = tp.port("redirectPortInbound", false);
    Integer outbound = tp.port("redirectPortOutbound", false);
    if (inbound != null && inbound.equals(outbound)) {
      tp.violations()
          .add(
              tp.path("redirectPortOutbound"),
              "must differ from redirectPortInbound: one port cannot redirect both directions");
    }
    List<String> direct = tp.stringList("directAccessServices");
    List<String> reachable = tp.stringList("reachableServices");
    String mode = tp.string("ipFamilyMode", false);
    if (mode != null && !IP_FAMILY_MODES.contains(mode)) {
      tp.violations()
          .add(
              tp.path("ipFamilyMode"),
              "must be one of: IPv4, IPv6, DualStack; got \"" + Checks.excerpt(mode) + "\"");
      mode = null;
    }
    return new TransparentProxying(
        inbound == null ? 0 : inbound,
        outbound == null ? 0 : outbound,
        direct,
        reachable,
        mode == null || mode.isEmpty() ? null : mode);
  }

  /** probes: the virtual probe port and its endpoints, as Kuma validates them. */
  private static Probes probes(Obj probes) {
    probes.rejectUnknown(Set.of("port", "endpoints"), Set.of());
    Integer port = probes.port("port", true);
    List<ProbeEndpoint> endpoints = new ArrayList<>();
    List<JsonNode> items = probes.array("endpoints");
    for (int i = 0; i < items.size(); i++) {
      Obj endpoint =
          Obj.of(items.get(i), Violations.index(probes.path("endpoints"), i), probes.violations());
      if (endpoint == null) {
        continue;
      }
      endpoint.rejectUnknown(Set.of("inboundPort", "inboundPath", "path"), Set.of());
      Integer inboundPort = endpoint.port("inboundPort", true);
      String inboundPath = urlPath(endpoint, "inboundPath");
      String path = urlPath(endpoint, "path");
      endpoints.add(
          new ProbeEndpoint(
              inboundPort == null ? 0 : inboundPort,
              inboundPath == null ? "" : inboundPath,
              path == null ? "" : path));
    }
    return new Probes(port == null ? 0 : port, endpoints);
  }

  private static String urlPath(Obj owner, String field) {
    JsonNode raw = owner.raw(field);
    if (raw != null && !raw.isTextual()) {
      owner.violations().add(owner.path(field), "must be a string");
      return null;
    }
    String value = raw == null ? "" : raw.textValue();
    String reason = Checks.urlPath(value);
    if (reason != null) {
      owner.violations().add(owner.path(field), reason);
      return null;
    }
    return value;
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
            owner.violations().add(Violations.key(tagsPath, Checks.excerpt(key)), reason);
          } else {
            valid.put(key, value);
          }
        });
    boolean tagsAreAnObject = raw == null || raw.isObject();
    if (tagsAreAnObject && (raw == null || !raw.has(KumaTags.SERVICE))) {
      owner.violations().add(Violations.key(tagsPath, KumaTags.SERVICE), "tag has to exist");
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
  public void write(DataplaneResource dataplane, ObjectNode document, Sealer opener) {
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
    Gateway gateway = dataplane.getGateway();
    if (gateway != null) {
      ObjectNode g = networking.putObject("gateway");
      putSorted(g.putObject("tags"), gateway.getTags());
      // DELEGATED is Kuma's default (the enum's zero value), which its JSON leaves out.
      if (!"DELEGATED".equals(gateway.getType())) {
        g.put("type", gateway.getType());
      }
    }
    TransparentProxying tp = dataplane.getTransparentProxying();
    if (tp != null) {
      ObjectNode t = networking.putObject("transparentProxying");
      if (tp.getRedirectPortInbound() != 0) {
        t.put("redirectPortInbound", tp.getRedirectPortInbound());
      }
      if (tp.getRedirectPortOutbound() != 0) {
        t.put("redirectPortOutbound", tp.getRedirectPortOutbound());
      }
      if (!tp.getDirectAccessServices().isEmpty()) {
        tp.getDirectAccessServices().forEach(t.putArray("directAccessServices")::add);
      }
      if (!tp.getReachableServices().isEmpty()) {
        tp.getReachableServices().forEach(t.putArray("reachableServices")::add);
      }
      if (tp.getIpFamilyMode() != null) {
        t.put("ipFamilyMode", tp.getIpFamilyMode());
      }
    }
    Probes probes = dataplane.getProbes();
    if (probes != null) {
      ObjectNode p = document.putObject("probes");
      p.put("port", probes.getPort());
      if (!probes.getEndpoints().isEmpty()) {
        ArrayNode endpoints = p.putArray("endpoints");
        for (ProbeEndpoint e : probes.getEndpoints()) {
          endpoints
              .addObject()
              .put("inboundPort", e.getInboundPort())
              .put("inboundPath", e.getInboundPath())
              .put("path", e.getPath());
        }
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
