package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneMetrics;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Gateway;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.InboundHealth;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.OutboundBackendRef;
import dev.chronomesh.events.avro.ProbeEndpoint;
import dev.chronomesh.events.avro.Probes;
import dev.chronomesh.events.avro.ServiceProbe;
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

  /** Kuma's supported protocols (core_meta.SupportedProtocols). */
  private static final Set<String> PROTOCOLS = Set.of("grpc", "http", "http2", "kafka", "tcp");

  private static final Set<String> IP_FAMILY_MODES = Set.of("IPv4", "IPv6", "DualStack");

  @Override
  public Class<DataplaneResource> recordClass() {
    return DataplaneResource.class;
  }

  @Override
  public Set<String> specFields() {
    return Set.of("networking", "probes", "metrics");
  }

  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of();
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
    DataplaneMetrics metrics = null;
    Obj metricsObj = doc.object("metrics");
    if (metricsObj != null) {
      metrics = MeshMetrics.readOverride(metricsObj);
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
            "transparentProxying",
            "admin"),
        Set.of("listeners"));
    String address = address(networking, "address", true);
    if ("0.0.0.0".equals(address) || "::".equals(address)) {
      violations.add("networking.address", "must not be 0.0.0.0 or ::");
    }
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
        inbounds.add(inbound(inbound, address));
      }
    }
    // As Kuma's dataplane validator: a dataplane is either a gateway or has inbounds, never both;
    // since Kuma 2.9 a sidecar may have no inbound (outbound-only, e.g. a job or a client).
    boolean hasGateway = networking.raw("gateway") != null;
    if (hasGateway && !inboundNodes.isEmpty()) {
      violations.add("networking", "inbound cannot be defined both with gateway");
    }

    List<Outbound> outbounds = new ArrayList<>();
    List<JsonNode> outboundNodes = networking.array("outbound");
    if (gateway != null && "BUILTIN".equals(gateway.getType()) && !outboundNodes.isEmpty()) {
      violations.add("networking.outbound", "outbound cannot be defined for builtin gateways");
    }
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
      // Validated first, so Kuma's invalid documents get Kuma's answers; then refused: without the
      // redirect listeners and the outbounds Kuma generates for it, redirected traffic is dropped.
      violations.notSupportedYet(
          "networking.transparentProxying",
          "the inbound and outbound redirect listeners (ports 15006/15001) are not generated yet;"
              + " list outbounds explicitly instead");
    }
    Integer adminPort = null;
    Obj admin = networking.object("admin");
    if (admin != null) {
      admin.rejectUnknown(Set.of("port"), Set.of());
      JsonNode rawPort = admin.raw("port");
      // As Kuma (a uint32), port 0 means "not set": kuma-dp's default, 9901.
      boolean unset = rawPort != null && rawPort.isIntegralNumber() && rawPort.longValue() == 0;
      adminPort = unset ? null : admin.port("port", false);
      if (adminPort != null) {
        adminPortCollisions(admin, adminPort, address, inbounds, outbounds);
      }
    }
    if (KumaTags.isProxyless(metadata.labels())) {
      // A proxyless gRPC client has no Envoy: no admin listener and no probe listener to serve.
      String why = "a proxyless gRPC client (label " + KumaTags.PROXY_TYPE_LABEL + ") has no Envoy";
      if (admin != null) {
        violations.notSupportedYet("networking.admin", why);
      }
      if (probes != null) {
        violations.notSupportedYet("probes", why);
      }
      if (metrics != null) {
        violations.notSupportedYet("metrics", why);
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
        gateway,
        transparentProxying,
        probes,
        adminPort,
        metrics);
  }

  /**
   * As Kuma's dataplane validator: Envoy's admin binds 127.0.0.1:{@code port}, which must not be an
   * inbound's or its application's interface, nor an outbound's ({@code UsesInboundInterface},
   * {@code UsesOutboundInterface} with the loopback address; 0.0.0.0 and :: overlap everything).
   */
  private static void adminPortCollisions(
      Obj admin, int port, String address, List<Inbound> inbounds, List<Outbound> outbounds) {
    boolean inbound = false;
    for (Inbound in : inbounds) {
      String dataplaneIp = in.getAddress() != null ? in.getAddress() : address;
      String workloadIp = in.getServiceAddress() != null ? in.getServiceAddress() : dataplaneIp;
      int workloadPort =
          in.getServicePort() != null && in.getServicePort() != 0
              ? in.getServicePort()
              : in.getPort();
      if ((port == in.getPort() && onLoopback(dataplaneIp))
          || (port == workloadPort && onLoopback(workloadIp))) {
        inbound = true;
      }
    }
    if (inbound) {
      admin.violations().add(admin.path("port"), "must differ from inbound");
    }
    for (Outbound out : outbounds) {
      if (port == out.getPort()
          && onLoopback(out.getAddress() == null ? LOOPBACK : out.getAddress())) {
        admin.violations().add(admin.path("port"), "must differ from outbound");
        return;
      }
    }
  }

  private static final String LOOPBACK = "127.0.0.1";

  private static boolean onLoopback(String ip) {
    return ip != null
        && (ip.equals(LOOPBACK) || ip.equals("0.0.0.0") || ip.equals("::") || ip.equals("[::]"));
  }

  /** networking.gateway: tags with kuma.io/service, type DELEGATED (default) or BUILTIN. */
  private static Gateway gateway(Obj gateway) {
    gateway.rejectUnknown(Set.of("tags", "type"), Set.of());
    Map<String, String> tags = tags(gateway);
    String protocol = tags.get(KumaTags.PROTOCOL);
    if (protocol != null && !protocol.equals("tcp")) {
      gateway
          .violations()
          .add(
              Violations.key(gateway.path("tags"), KumaTags.PROTOCOL),
              "other values than tcp are not allowed, provided value \""
                  + Checks.excerpt(protocol)
                  + "\"");
    }
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

  private static Inbound inbound(Obj inbound, String dataplaneAddress) {
    inbound.rejectUnknown(
        Set.of(
            "port",
            "servicePort",
            "address",
            "serviceAddress",
            "tags",
            "state",
            "health",
            "name",
            "serviceProbe"),
        Set.of("protocol"));
    ServiceProbe serviceProbe = serviceProbe(inbound.object("serviceProbe"));
    String name = inbound.string("name", false);
    Integer port = inbound.port("port", true);
    Integer servicePort = inbound.port("servicePort", false);
    String address = ip(inbound, "address", "address has to be valid IP address");
    String serviceAddress =
        ip(inbound, "serviceAddress", "serviceAddress has to be valid IP address");
    Map<String, String> tags = tags(inbound);
    String protocol = tags.get(KumaTags.PROTOCOL);
    if (protocol != null && !PROTOCOLS.contains(protocol)) {
      inbound
          .violations()
          .add(
              Violations.key(inbound.path("tags"), KumaTags.PROTOCOL),
              "tag \"kuma.io/protocol\" has an invalid value \""
                  + Checks.excerpt(protocol)
                  + "\". Allowed values: grpc, http, http2, kafka, tcp");
    }
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
    if (serviceAddress != null && port != null) {
      // As Kuma: the application's address:port must not be the inbound's own.
      boolean samePort = servicePort == null || servicePort.equals(port);
      String inboundAddress = address != null ? address : dataplaneAddress;
      if (samePort && serviceAddress.equals(inboundAddress)) {
        inbound
            .violations()
            .add(
                inbound.path("serviceAddress"),
                "serviceAddress and servicePort has to differ from address and port");
      }
    }
    return new Inbound(
        port == null ? 0 : port,
        servicePort,
        address,
        serviceAddress,
        tags,
        state,
        health,
        name == null || name.isEmpty() ? null : name,
        serviceProbe);
  }

  /**
   * An inbound's {@code serviceProbe} as Kuma reads and checks it ({@code validateServiceProbe}):
   * protobuf JSON durations and thresholds, each positive when given; {@code tcp} is the only
   * checker and may be left out. The gateway's health discovery service turns it into Envoy's TCP
   * health check of the application and writes the outcome into the inbound's state.
   */
  private static ServiceProbe serviceProbe(Obj probe) {
    if (probe == null) {
      return null;
    }
    probe.rejectUnknown(
        Set.of("interval", "timeout", "unhealthyThreshold", "healthyThreshold", "tcp"), Set.of());
    Obj tcp = probe.object("tcp");
    if (tcp != null) {
      tcp.rejectUnknown(Set.of(), Set.of());
    }
    return new ServiceProbe(
        probeDuration(probe, "interval"),
        probeDuration(probe, "timeout"),
        threshold(probe, "unhealthyThreshold"),
        threshold(probe, "healthyThreshold"));
  }

  /**
   * A protobuf JSON duration ({@code 10s}, {@code 1.5s}), positive; canonical as Kuma renders it.
   */
  private static String probeDuration(Obj owner, String field) {
    JsonNode raw = owner.raw(field);
    if (raw == null || raw.isNull()) {
      return null;
    }
    com.google.protobuf.Duration duration = null;
    if (raw.isTextual()) {
      try {
        // Kuma reads a bare 0 as no time (its validator then says it is not positive).
        duration =
            raw.textValue().equals("0")
                ? com.google.protobuf.Duration.getDefaultInstance()
                : com.google.protobuf.util.Durations.parse(raw.textValue());
      } catch (java.text.ParseException e) {
        duration = null;
      }
    }
    if (duration == null) {
      owner.violations().add(owner.path(field), "must be a duration such as 10s or 1.5s");
      return null;
    }
    if (duration.getSeconds() < 0
        || duration.getNanos() < 0
        || (duration.getSeconds() == 0 && duration.getNanos() == 0)) {
      owner.violations().add(owner.path(field), "must have a positive value");
      return null;
    }
    return com.google.protobuf.util.Durations.toString(duration);
  }

  /** A threshold: a whole number, positive when given (Kuma's {@code ValidateThreshold}). */
  private static Integer threshold(Obj owner, String field) {
    JsonNode raw = owner.raw(field);
    if (raw == null || raw.isNull()) {
      return null;
    }
    if (!raw.canConvertToInt() || !raw.isIntegralNumber() || raw.intValue() < 0) {
      owner.violations().add(owner.path(field), "must be a whole number from 1 to 2147483647");
      return null;
    }
    if (raw.intValue() == 0) {
      owner.violations().add(owner.path(field), "must have a positive value");
      return null;
    }
    return raw.intValue();
  }

  private static Outbound outbound(Obj outbound) {
    outbound.rejectUnknown(Set.of("port", "address", "tags", "backendRef"), Set.of());
    Integer port = outbound.port("port", true);
    String address = ip(outbound, "address", "address has to be valid IP address");
    Obj backendRef = outbound.object("backendRef");
    if (backendRef == null) {
      return new Outbound(port == null ? 0 : port, address, tags(outbound), null);
    }
    JsonNode tagsNode = outbound.raw("tags");
    if (tagsNode != null && !tagsNode.isEmpty()) {
      // Kuma's validateOutbound: an outbound names its destination one way only.
      outbound
          .violations()
          .add(backendRef.path(), "both backendRef and tags/service cannot be defined");
    }
    return new Outbound(port == null ? 0 : port, address, Map.of(), backendRef(backendRef));
  }

  /**
   * An outbound's {@code backendRef} as Kuma 2.14's {@code validateOutbound} checks it: a kind of
   * MeshService, MeshExternalService or MeshMultiZoneService (the last two refused as not supported
   * yet: they need egress and zones), a name or labels, and a port.
   */
  private static OutboundBackendRef backendRef(Obj ref) {
    ref.rejectUnknown(Set.of("kind", "name", "labels", "port"), Set.of());
    String kind = ref.string("kind", false);
    if (kind == null || !List.of(MESH_SERVICE, MESH_EXTERNAL, MESH_MULTI_ZONE).contains(kind)) {
      ref.violations()
          .add(
              ref.path("kind"),
              "invalid value. Available values are: "
                  + MESH_EXTERNAL
                  + ","
                  + MESH_MULTI_ZONE
                  + ","
                  + MESH_SERVICE);
    } else if (!kind.equals(MESH_SERVICE)) {
      ref.violations()
          .notSupportedYet(
              ref.path("kind"),
              "kind "
                  + kind
                  + (kind.equals(MESH_EXTERNAL)
                      ? " (it needs a zone egress)"
                      : " (Chronomesh has no zones yet)"));
    }
    String name = ref.string("name", false);
    Map<String, String> labels = ref.stringMap("labels");
    if ((name == null || name.isEmpty()) && labels.isEmpty()) {
      ref.violations().add(ref.path(), "either 'name' or 'labels' should be specified");
    }
    JsonNode portNode = ref.raw("port");
    Integer port = ref.port("port", false);
    // As Kuma: the port of a MeshExternalService comes from its endpoints.
    if (portNode == null && !MESH_EXTERNAL.equals(kind)) {
      ref.violations().add(ref.path("port"), "port must be in the range from 1 to 65535");
    }
    return new OutboundBackendRef(
        kind == null ? "" : kind,
        name == null ? "" : name,
        new HashMap<>(labels),
        port == null ? 0 : port);
  }

  private static final String MESH_SERVICE = "MeshService";
  private static final String MESH_EXTERNAL = "MeshExternalService";
  private static final String MESH_MULTI_ZONE = "MeshMultiZoneService";

  /** Tags of an inbound or outbound: valid keys and values, kuma.io/service required. */
  private static Map<String, String> tags(Obj owner) {
    String tagsPath = owner.path("tags");
    JsonNode raw = owner.raw("tags");
    Map<String, String> valid = owner.tags("tags");
    boolean tagsAreAnObject = raw == null || raw.isObject();
    if (tagsAreAnObject && (raw == null || !raw.has(KumaTags.SERVICE))) {
      owner.violations().add(Violations.key(tagsPath, KumaTags.SERVICE), "tag has to exist");
    }
    return new HashMap<>(valid);
  }

  /** An optional IP literal (Kuma: net.ParseIP), or null with a violation. */
  private static String ip(Obj owner, String field, String reason) {
    String value = owner.string(field, false);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (!Checks.isIpLiteral(value)) {
      owner.violations().add(owner.path(field), reason);
      return null;
    }
    return value;
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
        if (in.getName() != null) {
          o.put("name", in.getName());
        }
        ServiceProbe probe = in.getServiceProbe();
        if (probe != null) {
          ObjectNode p = o.putObject("serviceProbe");
          if (probe.getInterval() != null) {
            p.put("interval", probe.getInterval());
          }
          if (probe.getTimeout() != null) {
            p.put("timeout", probe.getTimeout());
          }
          if (probe.getUnhealthyThreshold() != null) {
            p.put("unhealthyThreshold", probe.getUnhealthyThreshold());
          }
          if (probe.getHealthyThreshold() != null) {
            p.put("healthyThreshold", probe.getHealthyThreshold());
          }
          p.putObject("tcp");
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
        OutboundBackendRef ref = out.getBackendRef();
        if (ref != null) {
          ObjectNode r = o.putObject("backendRef");
          r.put("kind", ref.getKind());
          if (!ref.getName().isEmpty()) {
            r.put("name", ref.getName());
          }
          if (!ref.getLabels().isEmpty()) {
            putSorted(r.putObject("labels"), ref.getLabels());
          }
          r.put("port", ref.getPort());
        } else {
          putSorted(o.putObject("tags"), out.getTags());
        }
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
    if (dataplane.getAdminPort() != null) {
      networking.putObject("admin").put("port", dataplane.getAdminPort());
    }
    if (dataplane.getMetrics() != null) {
      MeshMetrics.writeOverride(dataplane.getMetrics(), document.putObject("metrics"));
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
