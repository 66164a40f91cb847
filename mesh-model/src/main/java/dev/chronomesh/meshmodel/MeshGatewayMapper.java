package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.policy.DnsNames;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kuma's MeshGateway (universal format) ⇄ the policy envelope {@link PolicyResource} with type
 * {@code MeshGateway}. Validation is Kuma's {@code MeshGatewayResource.Validate()} ({@code
 * pkg/core/resources/apis/mesh/gateway_validator.go}, v2.14.3) after its REST schema ({@code
 * api/mesh/v1alpha1/meshgateway/rest.yaml}); what Chronomesh does not generate yet (TLS listeners,
 * cross-mesh listeners, connection limits) is refused as not supported yet.
 */
final class MeshGatewayMapper extends EnvelopeMapper {
  /** Kuma's tags a gateway's or listener's tags must not name. */
  private static final Set<String> RESERVED_TAGS =
      Set.of("kuma.io/external-service", KumaTags.PROTOCOL, KumaTags.SERVICE, KumaTags.ZONE);

  private static final List<String> PROTOCOLS = List.of("TCP", "TLS", "HTTP", "HTTPS");

  MeshGatewayMapper() {
    super(MeshGateway.TYPE);
  }

  @Override
  public Set<String> specFields() {
    return Set.of("selectors", "tags", "conf");
  }

  @Override
  public PolicyResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    Obj doc = Obj.of(document, "", violations);
    List<Map<String, String>> selectors = new ArrayList<>();
    List<Obj> selectorObjs = doc.objects("selectors");
    if (selectorObjs.isEmpty()
        && (doc.raw("selectors") == null || doc.raw("selectors").isArray())) {
      violations.add("selectors", "must have at least one element");
    }
    for (Obj s : selectorObjs) {
      s.rejectUnknown(Set.of("match"), Set.of());
      Map<String, String> match = Checks.selector(s, "match");
      if (s.raw("match") != null && !match.containsKey(KumaTags.SERVICE)) {
        violations.add(Violations.key(s.path("match"), KumaTags.SERVICE), "tag has to exist");
      }
      selectors.add(match);
    }
    Map<String, String> tags =
        reservedFree(Checks.selectorOrEmpty(doc, "tags"), doc.path("tags"), violations);
    List<ObjectNode> listeners = new ArrayList<>();
    JsonNode rawConf = doc.raw("conf");
    Obj conf = null;
    if (rawConf == null || (rawConf.isTextual() && rawConf.textValue().isEmpty())) {
      violations.add("conf", "cannot be empty");
    } else {
      conf = doc.object("conf");
    }
    if (conf != null) {
      conf.rejectUnknown(Set.of("listeners"), Set.of());
      List<Obj> items = conf.objects("listeners");
      if (items.isEmpty()) {
        violations.add(conf.path("listeners"), "cannot be empty");
      }
      List<int[]> portIndex = new ArrayList<>();
      List<String> protocols = new ArrayList<>();
      List<String> hostnames = new ArrayList<>();
      for (Obj l : items) {
        ObjectNode out = listener(l, violations);
        listeners.add(out);
        portIndex.add(new int[] {out.path("port").asInt()});
        protocols.add(out.path("protocol").asText(""));
        hostnames.add(out.path("hostname").asText("*"));
      }
      collapsible(conf.path("listeners"), portIndex, protocols, hostnames, violations);
    }
    if (!violations.isEmpty()) {
      return null;
    }
    return PolicyResource.newBuilder()
        .setType(MeshGateway.TYPE)
        .setName(metadata.name())
        .setMesh(metadata.mesh())
        .setLabels(metadata.labels())
        .setSpec(MeshGateway.canonical(selectors, tags, listeners).toString())
        .build();
  }

  /** One listener, checked; its canonical JSON (fields given). */
  private static ObjectNode listener(Obj l, Violations violations) {
    l.rejectUnknown(
        Set.of("hostname", "port", "protocol", "tls", "tags", "crossMesh", "resources"), Set.of());
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    String hostname = l.string("hostname", false);
    if (hostname != null && !hostname.isEmpty()) {
      hostname(l.path("hostname"), hostname, violations);
      out.put("hostname", hostname);
    }
    JsonNode portNode = l.raw("port");
    if (portNode == null
        || !portNode.canConvertToLong()
        || portNode.longValue() < 1
        || portNode.longValue() > 65535) {
      violations.add(
          l.path("port"),
          portNode != null && !portNode.isIntegralNumber()
              ? "must be an integer"
              : "port must be in the range [1, 65535]");
    } else {
      out.put("port", portNode.intValue());
    }
    String protocol = l.string("protocol", false);
    boolean crossMesh = Boolean.TRUE.equals(l.bool("crossMesh"));
    if (protocol == null || protocol.isEmpty() || protocol.equals("NONE")) {
      violations.add(l.path("protocol"), "cannot be empty");
    } else if (!PROTOCOLS.contains(protocol)) {
      violations.add(l.path("protocol"), "must be one of " + String.join(", ", PROTOCOLS));
    } else {
      out.put("protocol", protocol);
    }
    Obj tls = l.object("tls");
    if ("HTTPS".equals(protocol)) {
      if (crossMesh) {
        violations.add(l.path("protocol"), "protocol is not supported with crossMesh");
      } else if (l.raw("tls") == null) {
        violations.add(l.path("tls"), "cannot be empty");
      } else if (tls != null && "PASSTHROUGH".equals(tls.string("mode", false))) {
        violations.add(
            Violations.field(l.path("tls"), "mode"), "mode is not supported on HTTPS listeners");
      }
    }
    if (tls != null) {
      tls.rejectUnknown(Set.of("mode", "certificates", "options"), Set.of());
      String mode = tls.string("mode", false);
      int certificates = tls.array("certificates").size();
      if (crossMesh) {
        if ((mode != null && !mode.isEmpty() && !mode.equals("NONE")) || certificates > 0) {
          violations.add(l.path("tls"), "must be empty with crossMesh");
        }
      } else if (mode == null || mode.isEmpty() || mode.equals("NONE")) {
        violations.add(tls.path("mode"), "cannot be empty");
      } else if (mode.equals("TERMINATE") && certificates == 0) {
        violations.add(tls.path("certificates"), "cannot be empty in TLS termination mode");
      } else if (mode.equals("TERMINATE") && certificates > 2) {
        violations.add(tls.path("certificates"), "cannot have more than 2 certificates");
      }
    }
    if ("HTTPS".equals(protocol) || "TLS".equals(protocol)) {
      violations.notSupportedYet(
          l.path("protocol"), protocol + " listeners (TLS termination and passthrough)");
    } else if (tls != null) {
      violations.notSupportedYet(l.path("tls"), "TLS on gateway listeners");
    }
    if (crossMesh) {
      violations.notSupportedYet(l.path("crossMesh"), "cross-mesh gateways");
    }
    Obj resources = l.object("resources");
    if (resources != null) {
      resources.rejectUnknown(Set.of("connectionLimit"), Set.of());
      if (resources.raw("connectionLimit") != null) {
        violations.notSupportedYet(
            resources.path("connectionLimit"), "connection limits of gateway listeners");
      }
    }
    Map<String, String> tags =
        reservedFree(Checks.selectorOrEmpty(l, "tags"), l.path("tags"), violations);
    if (!tags.isEmpty()) {
      new TreeMap<>(tags).forEach(out.putObject("tags")::put);
    }
    return out;
  }

  /** Kuma's ValidateHostname: {@code *}, {@code *.domain} or a domain, at most 253 characters. */
  private static void hostname(String path, String hostname, Violations violations) {
    if (hostname.equals("*")) {
      return;
    }
    if (hostname.length() > 253) {
      violations.add(path, "must be at most 253 characters");
    }
    if (hostname.startsWith("*.")) {
      if (!DnsNames.SUBDOMAIN.matcher(hostname.substring(2)).matches()) {
        violations.add(path, "invalid wildcard domain");
      }
    } else if (!DnsNames.SUBDOMAIN.matcher(hostname).matches()) {
      violations.add(path, "invalid hostname");
    }
  }

  private static Map<String, String> reservedFree(
      Map<String, String> tags, String path, Violations violations) {
    for (String key : new TreeSet<>(tags.keySet())) {
      if (RESERVED_TAGS.contains(key)) {
        violations.add(Violations.key(path, key), "tag name must not be \"" + key + "\"");
      }
    }
    return tags;
  }

  /**
   * Kuma's validateListenerCollapsibility: listeners on one port share a protocol and have distinct
   * hostnames.
   */
  private static void collapsible(
      String path,
      List<int[]> ports,
      List<String> protocols,
      List<String> hostnames,
      Violations violations) {
    Map<Integer, Set<String>> protocolsByPort = new HashMap<>();
    Map<String, List<Integer>> byPortHost = new HashMap<>();
    for (int i = 0; i < ports.size(); i++) {
      int port = ports.get(i)[0];
      protocolsByPort.computeIfAbsent(port, p -> new TreeSet<>()).add(protocols.get(i));
      byPortHost.computeIfAbsent(port + "/" + hostnames.get(i), k -> new ArrayList<>()).add(i);
    }
    for (int i = 0; i < ports.size(); i++) {
      if (protocolsByPort.get(ports.get(i)[0]).size() > 1) {
        violations.add(
            Violations.index(path, i), "protocol conflicts with other listeners on this port");
      }
      if (byPortHost.get(ports.get(i)[0] + "/" + hostnames.get(i)).size() > 1) {
        violations.add(Violations.index(path, i), "multiple listeners for hostname on this port");
      }
    }
  }

  @Override
  public void write(PolicyResource resource, ObjectNode document, Sealer opener) {
    ObjectNode spec = PolicyResources.spec(resource);
    document.setAll(spec);
  }
}
