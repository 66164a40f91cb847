package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A Kuma MeshGateway (universal format: {@code selectors}, {@code tags}, {@code conf.listeners}):
 * the listeners of the builtin gateway dataplanes its selectors match. Stored in the policy
 * envelope ({@link PolicyResource} with type {@code MeshGateway} and this canonical JSON as its
 * spec), so adding the type needed no Avro change; validated on write by {@link MeshGatewayMapper}.
 *
 * @param selectors each selector's {@code match} tags (at least one, each with kuma.io/service)
 * @param tags tags of every listener (Kuma: merged under each listener's own tags)
 */
public record MeshGateway(
    String mesh,
    String name,
    List<Map<String, String>> selectors,
    Map<String, String> tags,
    List<Listener> listeners) {

  /** The Kuma type name, also the envelope's {@code type}. */
  public static final String TYPE = "MeshGateway";

  /** Kuma's listener protocols Chronomesh generates. */
  public enum Protocol {
    HTTP,
    TCP;

    /** Whether HTTP routes (MeshHTTPRoute) attach to a listener of this protocol. */
    public boolean isHttp() {
      return this == HTTP;
    }
  }

  /**
   * One listener: port, protocol, hostname ({@code *} when not given) and its tags (the gateway's
   * tags overlaid by its own).
   */
  public record Listener(int port, Protocol protocol, String hostname, Map<String, String> tags) {
    public Listener {
      Objects.requireNonNull(protocol, "protocol");
      hostname = hostname == null || hostname.isEmpty() ? "*" : hostname;
      tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    }
  }

  public MeshGateway {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    selectors =
        selectors.stream()
            .map(s -> Collections.unmodifiableMap(new TreeMap<>(s)))
            .map(s -> (Map<String, String>) s)
            .toList();
    tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    listeners = List.copyOf(listeners);
  }

  /** Whether {@code payload} is a stored MeshGateway. */
  public static boolean is(Object payload) {
    return payload instanceof PolicyResource r && r.getType().equals(TYPE);
  }

  /** The MeshGateway of a stored envelope (validated on write, so a failure is a bug). */
  public static MeshGateway of(PolicyResource stored) {
    if (!is(stored)) {
      throw new IllegalArgumentException("not a MeshGateway: " + stored.getType());
    }
    ObjectNode spec = PolicyResources.spec(stored);
    List<Map<String, String>> selectors = new ArrayList<>();
    spec.path("selectors").forEach(s -> selectors.add(strings(s.path("match"))));
    Map<String, String> tags = strings(spec.path("tags"));
    List<Listener> listeners = new ArrayList<>();
    for (JsonNode l : spec.path("conf").path("listeners")) {
      Map<String, String> listenerTags = new TreeMap<>(tags);
      listenerTags.putAll(strings(l.path("tags")));
      listeners.add(
          new Listener(
              l.path("port").asInt(),
              Protocol.valueOf(l.path("protocol").asText()),
              l.path("hostname").asText("*"),
              listenerTags));
    }
    return new MeshGateway(stored.getMesh(), stored.getName(), selectors, tags, listeners);
  }

  /**
   * The canonical spec of a MeshGateway document: what is stored and rendered ({@code selectors},
   * {@code tags} when given, {@code conf.listeners} with the fields given).
   */
  static ObjectNode canonical(
      List<Map<String, String>> selectors, Map<String, String> tags, List<ObjectNode> listeners) {
    ObjectNode spec = JsonNodeFactory.instance.objectNode();
    var sel = spec.putArray("selectors");
    selectors.forEach(s -> new TreeMap<>(s).forEach(sel.addObject().putObject("match")::put));
    if (!tags.isEmpty()) {
      new TreeMap<>(tags).forEach(spec.putObject("tags")::put);
    }
    var list = spec.putObject("conf").putArray("listeners");
    listeners.forEach(list::add);
    return spec;
  }

  /**
   * The MeshGateway a builtin gateway dataplane is bound to, as Kuma chooses it: of the gateways
   * with a selector matching the dataplane's gateway tags, the one whose matching selector has the
   * most tags, then the first by name. Empty for other dataplanes or when none matches.
   */
  public static Optional<MeshGateway> boundTo(
      DataplaneResource dataplane, List<MeshGateway> gateways) {
    if (!isBuiltinGateway(dataplane)) {
      return Optional.empty();
    }
    Map<String, String> dpTags = dataplane.getGateway().getTags();
    MeshGateway best = null;
    int bestScore = -1;
    List<MeshGateway> sorted =
        gateways.stream().sorted(Comparator.comparing(MeshGateway::name)).toList();
    for (MeshGateway g : sorted) {
      if (!g.mesh().equals(dataplane.getMesh())) {
        continue;
      }
      for (Map<String, String> selector : g.selectors()) {
        if (matches(selector, dpTags) && selector.size() > bestScore) {
          best = g;
          bestScore = selector.size();
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** Whether the dataplane is a builtin gateway ({@code networking.gateway.type: BUILTIN}). */
  public static boolean isBuiltinGateway(DataplaneResource dataplane) {
    return dataplane.getGateway() != null && "BUILTIN".equals(dataplane.getGateway().getType());
  }

  /** Kuma's selector match: every selector tag has the dataplane's value, or "*" and any value. */
  static boolean matches(Map<String, String> selector, Map<String, String> tags) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      String value = tags.get(e.getKey());
      if (value == null || !(e.getValue().equals("*") || e.getValue().equals(value))) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> out = new TreeMap<>();
    node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
