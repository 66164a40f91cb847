package dev.chronomesh.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.MeshGateway;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute;
import dev.chronomesh.meshmodel.policies.meshtls.MeshTLS;
import dev.chronomesh.meshmodel.policies.meshtrafficpermission.MeshTrafficPermission;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.projector.generate.ConfigGenerator;
import dev.chronomesh.projector.generate.GeneratedConfig;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A small mesh for one policy document: a dataplane its top-level targetRef selects (the first)
 * (the name, labels, tags, service and section it names) and one dataplane per service the document
 * names (destinations, sources, backends, with the tags of subsets naming them) and one for a
 * service it does not name per protocol, each calling every other service. The protocol is the
 * document's: http for http confs, grpc for grpc confs, tcp otherwise. Each MeshHTTPRoute the
 * document targets (by name or labels) exists: on every proxy, towards a service no item names,
 * with a rule of its own.
 */
record Scenario(
    MeshResource mesh,
    List<DataplaneResource> dataplanes,
    List<MeshGateway> gateways,
    List<Policy> baseRoutes,
    List<MeshService> meshServices) {
  /** The services no item names: they only receive calls, so their configs are not compared. */
  private static final String UNNAMED = "unnamed-";

  static Scenario of(String type, JsonNode doc) {
    String mesh = doc.path("mesh").asText("default");
    String protocol = protocol(type, doc);
    JsonNode top = doc.path("spec").path("targetRef");
    Map<String, String> labels = new TreeMap<>();
    String dpName = "client-1";
    String section = null;
    Map<String, String> clientTags = new TreeMap<>();
    String clientService = "client";
    switch (top.path("kind").asText("Mesh")) {
      case "Dataplane" -> {
        dpName = top.path("name").asText(dpName);
        top.path("labels")
            .fields()
            .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        section = top.hasNonNull("sectionName") ? top.get("sectionName").asText() : null;
      }
      case "MeshSubset" ->
          top.path("tags")
              .fields()
              .forEachRemaining(e -> clientTags.put(e.getKey(), e.getValue().asText()));
      case "MeshService", "MeshServiceSubset" -> {
        clientService = top.path("name").asText(clientService);
        top.path("tags")
            .fields()
            .forEachRemaining(e -> clientTags.put(e.getKey(), e.getValue().asText()));
      }
      default -> {}
    }
    if (clientTags.containsKey("kuma.io/service")) {
      clientService = clientTags.remove("kuma.io/service");
    }
    Map<String, Map<String, String>> services = new LinkedHashMap<>();
    services.put(clientService, clientTags);
    collect(doc.path("spec"), services, true);
    if (services.size() == 1) {
      services.put("backend", new TreeMap<>());
    }
    // Destinations no item names, one per protocol, so that what Mesh-wide items set shows even
    // where every named destination has its own item, whatever protocol a setting is for.
    for (String p : List.of("http", "grpc", "tcp")) {
      services.putIfAbsent(UNNAMED + p, new TreeMap<>(Map.of("kuma.io/protocol", p)));
    }
    List<DataplaneResource> dps = new ArrayList<>();
    int n = 0;
    for (Map.Entry<String, Map<String, String>> s : services.entrySet()) {
      boolean client = n == 0;
      String name = client ? dpName : s.getKey() + "-1";
      dps.add(
          dataplane(
              mesh,
              name,
              n + 1,
              client ? labels : Map.of(),
              s.getKey(),
              s.getValue(),
              client ? section : null,
              protocol,
              new TreeSet<>(services.keySet())));
      n++;
    }
    List<Policy> routes = routes(mesh, doc.path("spec"));
    // A MeshService per service a backendRef names by port, on its dataplanes' inbound.
    Map<String, TreeSet<Integer>> ports = new TreeMap<>();
    collectPorts(doc.path("spec"), ports);
    List<MeshService> meshServices = new ArrayList<>();
    ports.forEach((name, numbers) -> meshServices.add(meshService(mesh, name, numbers, protocol)));
    if (!isGateway(top)) {
      return new Scenario(parseMesh(mesh, type), dps, List.of(), routes, meshServices);
    }
    // A policy for gateways: the selected dataplane is a builtin gateway bound to the MeshGateway
    // the document names (its listeners have the tags it names), with routes to every service.
    String gatewayName =
        top.path("kind").asText().equals("MeshGateway") ? top.path("name").asText("edge") : "edge";
    Map<String, String> listenerTags = new TreeMap<>();
    top.path("tags")
        .fields()
        .forEachRemaining(e -> listenerTags.put(e.getKey(), e.getValue().asText()));
    List<String> backends = new ArrayList<>(services.keySet());
    backends.remove(clientService);
    dps.set(0, gatewayDataplane(mesh, dpName, labels, clientService));
    return new Scenario(
        parseMesh(mesh, type),
        dps,
        List.of(meshGateway(mesh, gatewayName, clientService, listenerTags)),
        concat(routes, baseRoutes(mesh, gatewayName, backends)),
        meshServices);
  }

  /** A MeshHTTPRoute for each targetRef of kind MeshHTTPRoute in the spec. */
  private static List<Policy> routes(String mesh, JsonNode spec) {
    List<JsonNode> refs = new ArrayList<>();
    refs.add(spec.path("targetRef"));
    spec.path("to").forEach(item -> refs.add(item.path("targetRef")));
    List<Policy> out = new ArrayList<>();
    for (JsonNode ref : refs) {
      if (!ref.path("kind").asText().equals("MeshHTTPRoute")) {
        continue;
      }
      String name = ref.path("name").asText("route-" + out.size());
      StringBuilder y = new StringBuilder("type: MeshHTTPRoute\nmesh: ").append(mesh);
      y.append("\nname: ").append(q(name)).append("\n");
      if (ref.has("labels")) {
        y.append("labels:\n");
        ref.get("labels")
            .fields()
            .forEachRemaining(
                e ->
                    y.append("  ")
                        .append(q(e.getKey()))
                        .append(": ")
                        .append(q(e.getValue().asText()))
                        .append("\n"));
      }
      y.append("spec:\n  targetRef: {kind: Mesh}\n  to:\n")
          .append("    - targetRef: {kind: MeshService, name: ")
          .append(UNNAMED)
          .append("http}\n      rules:\n        - matches: [{path: {type: PathPrefix, value: /")
          .append(out.size())
          .append("}}]\n          default: {backendRefs: [{kind: MeshService, name: ")
          .append(UNNAMED)
          .append("http}]}\n");
      Outcome outcome = Outcome.of("MeshHTTPRoute", y.toString());
      if (!outcome.accepted()) {
        throw new IllegalStateException("scenario route refused: " + outcome.problems() + "\n" + y);
      }
      out.add(PolicyResources.toEngine(outcome.record()).orElseThrow());
    }
    return List.copyOf(out);
  }

  private static List<Policy> concat(List<Policy> a, List<Policy> b) {
    List<Policy> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }

  /** Whether the document's top-level targetRef selects gateways only. */
  private static boolean isGateway(JsonNode top) {
    if (top.path("kind").asText().equals("MeshGateway")) {
      return true;
    }
    JsonNode types = top.path("proxyTypes");
    if (!types.isArray() || types.isEmpty()) {
      return false;
    }
    for (JsonNode t : types) {
      if (!t.asText().equals("Gateway")) {
        return false;
      }
    }
    return true;
  }

  /** A Dataplane document's type, mesh, name and labels. */
  private static StringBuilder dataplaneHeader(
      String mesh, String name, Map<String, String> labels) {
    StringBuilder y = new StringBuilder();
    y.append("type: Dataplane\nmesh: ")
        .append(mesh)
        .append("\nname: ")
        .append(q(name))
        .append("\n");
    if (!labels.isEmpty()) {
      y.append("labels:\n");
      labels.forEach((k, v) -> y.append("  ").append(q(k)).append(": ").append(q(v)).append("\n"));
    }
    return y;
  }

  private static DataplaneResource gatewayDataplane(
      String mesh, String name, Map<String, String> labels, String service) {
    StringBuilder y = dataplaneHeader(mesh, name, labels);
    y.append("networking:\n  address: 10.0.0.1\n  gateway:\n    type: BUILTIN\n    tags:\n")
        .append("      kuma.io/service: ")
        .append(q(service))
        .append("\n");
    return (DataplaneResource) parse(ResourceType.DATAPLANE, y.toString());
  }

  /** A MeshGateway with an HTTP and a TCP listener, both with {@code tags}. */
  private static MeshGateway meshGateway(
      String mesh, String name, String service, Map<String, String> tags) {
    StringBuilder t = new StringBuilder("{");
    tags.forEach(
        (k, v) -> t.append(t.length() > 1 ? ", " : "").append(q(k)).append(": ").append(q(v)));
    t.append("}");
    String yaml =
        "type: MeshGateway\nmesh: "
            + mesh
            + "\nname: "
            + q(name)
            + "\nselectors: [{match: {kuma.io/service: "
            + q(service)
            + "}}]\nconf:\n  listeners:\n"
            + "    - {port: 8080, protocol: HTTP, tags: "
            + t
            + "}\n    - {port: 9090, protocol: TCP, tags: "
            + t
            + "}\n";
    return MeshGateway.of((PolicyResource) parse(ResourceType.MESH_GATEWAY, yaml));
  }

  /**
   * The gateway's routes the document's settings can show on: an HTTP route per service (path
   * {@code /<service>}) and a TCP route to the first service.
   */
  private static List<Policy> baseRoutes(String mesh, String gateway, List<String> services) {
    StringBuilder http = new StringBuilder();
    http.append("type: MeshHTTPRoute\nmesh: ")
        .append(mesh)
        .append(
            "\nname: zz-scenario-gateway-routes\nspec:\n  targetRef: {kind: MeshGateway, name: ")
        .append(q(gateway))
        .append("}\n  to:\n    - targetRef: {kind: Mesh}\n      rules:\n");
    for (String service : services) {
      http.append("        - matches: [{path: {type: PathPrefix, value: ")
          .append(q("/" + service))
          .append("}}]\n          default: {backendRefs: [{kind: MeshService, name: ")
          .append(q(service))
          .append("}]}\n");
    }
    String tcp =
        "type: MeshTCPRoute\nmesh: "
            + mesh
            + "\nname: zz-scenario-gateway-tcp\nspec:\n  targetRef: {kind: MeshGateway, name: "
            + q(gateway)
            + "}\n  to:\n    - targetRef: {kind: Mesh}\n      rules:\n"
            + "        - default: {backendRefs: [{kind: MeshService, name: "
            + q(services.get(0))
            + "}]}\n";
    return List.of(
        route(MeshHTTPRoute.TYPE.name(), http.toString()), route(MeshTCPRoute.TYPE.name(), tcp));
  }

  private static Policy route(String type, String yaml) {
    Object record = parse(ResourceType.byName(type).orElseThrow(), yaml);
    return PolicyResources.toEngine(record).orElseThrow();
  }

  /** The ports each MeshService backendRef with a {@code port} names. */
  private static void collectPorts(JsonNode node, Map<String, TreeSet<Integer>> out) {
    if (node.path("kind").asText("").equals("MeshService")
        && node.hasNonNull("name")
        && node.path("port").isInt()) {
      out.computeIfAbsent(node.get("name").asText(), n -> new TreeSet<>())
          .add(node.get("port").intValue());
    }
    node.forEach(child -> collectPorts(child, out));
  }

  private static MeshService meshService(
      String mesh, String name, TreeSet<Integer> ports, String protocol) {
    StringBuilder y = new StringBuilder();
    y.append("type: MeshService\nmesh: ")
        .append(mesh)
        .append("\nname: ")
        .append(q(name))
        .append("\nspec:\n  selector:\n    dataplaneTags:\n      kuma.io/service: ")
        .append(q(name))
        .append("\n  ports:\n");
    for (int port : ports) {
      y.append("    - {port: ")
          .append(port)
          .append(", targetPort: 8080, appProtocol: ")
          .append(protocol)
          .append("}\n");
    }
    return MeshService.of(parse(ResourceType.MESH_SERVICE, y.toString())).orElseThrow();
  }

  /**
   * The configs the policies can change: of the dataplane the document selects, and, for a type
   * whose settings also apply on the calling side, of the dataplanes of the services it names.
   */
  List<GeneratedConfig> configs(List<Policy> policies, boolean callers) {
    List<Policy> all = new ArrayList<>(baseRoutes);
    all.addAll(policies);
    MeshContext context =
        MeshContext.of(new MeshResources(mesh, dataplanes, all, gateways, meshServices));
    List<GeneratedConfig> out = new ArrayList<>();
    out.add(ConfigGenerator.generate(context, dataplanes.get(0)));
    if (callers) {
      for (DataplaneResource dp : dataplanes.subList(1, dataplanes.size())) {
        if (!dp.getName().startsWith(UNNAMED)) {
          out.add(ConfigGenerator.generate(context, dp));
        }
      }
    }
    return out;
  }

  private static String protocol(String type, JsonNode doc) {
    String text = doc.path("spec").toString();
    if (text.contains("\"grpc\":")) {
      return "grpc";
    }
    if (text.contains("\"http\":")
        || type.equals("MeshHTTPRoute")
        || type.equals("MeshFaultInjection")
        || type.equals("MeshLoadBalancingStrategy")) {
      return "http";
    }
    return "tcp";
  }

  /** Services named anywhere in the spec (targetRefs, backendRefs) with their subsets' tags. */
  private static void collect(
      JsonNode node, Map<String, Map<String, String>> services, boolean top) {
    if (node.isArray()) {
      node.forEach(e -> collect(e, services, false));
      return;
    }
    if (!node.isObject()) {
      return;
    }
    String kind = node.path("kind").asText("");
    if ((kind.equals("MeshService")
            || kind.equals("MeshServiceSubset")
            || kind.equals("MeshSubset"))
        && !top) {
      Map<String, String> tags = new TreeMap<>();
      node.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
      String service =
          node.hasNonNull("name") ? node.get("name").asText() : tags.get("kuma.io/service");
      tags.remove("kuma.io/service");
      if (service == null) {
        service = "caller";
      }
      services.computeIfAbsent(service, s -> new TreeMap<>()).putAll(tags);
    }
    node.fields()
        .forEachRemaining(
            e -> {
              // The top-level targetRef is the client's: the selected dataplane, not a service.
              if (!(top && e.getKey().equals("targetRef"))) {
                collect(e.getValue(), services, false);
              }
            });
  }

  /**
   * The types that act only in a mesh with mTLS: MeshTrafficPermission on inbounds that terminate
   * it, MeshTLS on the TLS contexts of sidecar inbounds and clusters, MeshTrust and MeshIdentity on
   * the mesh's trust and identities (refused in a mesh without mTLS).
   */
  static final Set<String> MTLS_ONLY_TYPES =
      Set.of(
          MeshTrafficPermission.TYPE.name(),
          MeshTLS.TYPE.name(),
          ResourceType.MESH_TRUST.name(),
          ResourceType.MESH_IDENTITY.name());

  /** The measuring Mesh's {@code mtls} section for the {@link #MTLS_ONLY_TYPES}. */
  static final String MTLS =
      "mtls:\n  enabledBackend: ca-1\n  backends:\n  - {name: ca-1, type: builtin}\n";

  /**
   * The measuring Mesh: with a builtin mTLS backend for the {@link #MTLS_ONLY_TYPES}, plain
   * otherwise.
   */
  private static MeshResource parseMesh(String mesh, String type) {
    String mtls = MTLS_ONLY_TYPES.contains(type) ? MTLS : "";
    return (MeshResource) parse(ResourceType.MESH, "type: Mesh\nname: " + mesh + "\n" + mtls);
  }

  private static DataplaneResource dataplane(
      String mesh,
      String name,
      int index,
      Map<String, String> labels,
      String service,
      Map<String, String> tags,
      String section,
      String protocol,
      TreeSet<String> allServices) {
    boolean client = index == 1;
    boolean unnamed = service.startsWith(UNNAMED);
    StringBuilder y = dataplaneHeader(mesh, name, labels);
    int port = 8080;
    String inboundName = null;
    if (section != null) {
      if (section.matches("\\d+")) {
        port = Integer.parseInt(section);
      } else {
        inboundName = section;
      }
    }
    y.append("networking:\n  address: 10.0.0.").append(index).append("\n  inbound:\n");
    y.append("    - port: ").append(port).append("\n");
    if (inboundName != null) {
      y.append("      name: ").append(q(inboundName)).append("\n");
    }
    y.append("      tags:\n        kuma.io/service: ").append(q(service)).append("\n");
    y.append("        kuma.io/protocol: ")
        .append(tags.getOrDefault("kuma.io/protocol", protocol))
        .append("\n");
    tags.forEach(
        (k, v) -> {
          if (!k.equals("kuma.io/protocol")) {
            y.append("        ").append(q(k)).append(": ").append(q(v)).append("\n");
          }
        });
    y.append("  outbound:\n");
    int p = 10001;
    for (String other : unnamed ? List.<String>of() : allServices) {
      // The selected dataplane also calls its own service (a route of a service to itself).
      if (client || !other.equals(service)) {
        y.append("    - port: ")
            .append(p++)
            .append("\n      tags:\n        kuma.io/service: ")
            .append(q(other))
            .append("\n");
      }
    }
    String text = y.toString();
    if (p == 10001) {
      text = text.replace("  outbound:\n", "");
    }
    try {
      return (DataplaneResource)
          ResourceType.DATAPLANE.parse(text.getBytes(UTF_8), Format.YAML, null, null);
    } catch (ValidationException e) {
      if (inboundName != null) {
        // An inbound name Chronomesh cannot hold yet: the policy's section then selects nothing.
        return (DataplaneResource)
            parse(ResourceType.DATAPLANE, text.replace("      name: " + q(inboundName) + "\n", ""));
      }
      throw new IllegalStateException(
          "scenario dataplane refused: " + e.violations() + "\n" + text, e);
    }
  }

  private static Object parse(ResourceType type, String yaml) {
    try {
      return type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
    } catch (ValidationException e) {
      throw new IllegalStateException(
          "scenario " + type + " refused: " + e.violations() + "\n" + yaml, e);
    }
  }

  private static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
