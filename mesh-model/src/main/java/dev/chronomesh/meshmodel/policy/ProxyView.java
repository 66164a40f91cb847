package dev.chronomesh.meshmodel.policy;

import dev.chronomesh.events.KumaTags;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The few facts about a data plane proxy that targetRef matching needs, filled in by the caller
 * (independent of the Avro types): mesh, name, labels, its inbounds with their tags, and whether it
 * is a gateway.
 */
public record ProxyView(
    String mesh,
    String name,
    Map<String, String> labels,
    List<Inbound> inbounds,
    boolean gateway,
    String meshGateway,
    List<Map<String, String>> gatewayListeners) {

  /** A sidecar's view (not a gateway). */
  public ProxyView(String mesh, String name, Map<String, String> labels, List<Inbound> inbounds) {
    this(mesh, name, labels, inbounds, false);
  }

  /** A view of a proxy that is bound to no MeshGateway. */
  public ProxyView(
      String mesh,
      String name,
      Map<String, String> labels,
      List<Inbound> inbounds,
      boolean gateway) {
    this(mesh, name, labels, inbounds, gateway, null, null);
  }

  /**
   * @param gateway whether the proxy is a gateway (Kuma: a Dataplane with {@code
   *     networking.gateway}), for targetRef {@code proxyTypes}
   * @param meshGateway the name of the MeshGateway a builtin gateway proxy is bound to, else null
   *     (for targetRef kind MeshGateway)
   * @param gatewayListeners the tags of the gateway listeners the view covers (a MeshGateway
   *     targetRef's {@code tags} select listeners, Kuma's {@code inboundsSelectedByTags}): the one
   *     listener a view at a listener is taken at, every listener of the MeshGateway for the proxy
   *     as a whole; empty for a proxy bound to no MeshGateway
   */
  public ProxyView {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    inbounds = inbounds == null ? List.of() : List.copyOf(inbounds);
    gatewayListeners =
        gatewayListeners == null
            ? List.of()
            : gatewayListeners.stream()
                .map(t -> Collections.unmodifiableMap(new TreeMap<>(t)))
                .map(t -> (Map<String, String>) t)
                .toList();
  }

  /**
   * One inbound: its section name (Kuma's inbound {@code name}, may be null), port and tags (which
   * hold {@code kuma.io/service}).
   */
  public record Inbound(String name, int port, Map<String, String> tags) {
    public Inbound {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1..65535, got " + port);
      }
      tags = tags == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /** The key used in per-inbound results: the inbound's name, or its port when unnamed. */
    public String key() {
      return name != null && !name.isEmpty() ? name : Integer.toString(port);
    }

    /** Whether a targetRef's sectionName designates this inbound (by name or by port). */
    boolean isSection(String sectionName) {
      return sectionName.equals(name) || sectionName.equals(Integer.toString(port));
    }
  }

  /** The {@code kuma.io/service} values of all inbounds, sorted. */
  public SortedSet<String> services() {
    SortedSet<String> out = new TreeSet<>();
    for (Inbound in : inbounds) {
      String s = in.tags().get(KumaTags.SERVICE);
      if (s != null) out.add(s);
    }
    return Collections.unmodifiableSortedSet(out);
  }
}
