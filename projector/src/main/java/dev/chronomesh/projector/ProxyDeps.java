package dev.chronomesh.projector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.projector.generate.EndpointSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one proxy's last generated config read, kept so that an event finds the proxies it concerns
 * without regenerating anyone: the services whose existence or protocol it depends on (all of them
 * for a proxyless client, which gets every service of its mesh) and the EDS clusters it uses.
 *
 * <p>Stored as canonical JSON (sorted keys) in the {@code proxy-deps} store, so replaying the log
 * gives byte-identical stores.
 */
record ProxyDeps(
    boolean allServices, SortedSet<String> services, SortedMap<String, EndpointSelector> clusters) {
  private static final ObjectMapper JSON = new ObjectMapper();

  ProxyDeps {
    services = Collections.unmodifiableSortedSet(new TreeSet<>(services));
    clusters = Collections.unmodifiableSortedMap(new TreeMap<>(clusters));
  }

  String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("allServices", allServices);
    services.forEach(root.putArray("services")::add);
    ObjectNode cs = root.putObject("clusters");
    clusters.forEach(
        (name, sel) -> {
          ObjectNode c = cs.putObject(name);
          c.put("service", sel.service());
          ObjectNode tags = c.putObject("tags");
          sel.tags().forEach(tags::put);
          if (!sel.affinity().isEmpty()) {
            var affinity = c.putArray("affinity");
            sel.affinity()
                .forEach(
                    a ->
                        affinity
                            .addObject()
                            .put("key", a.key())
                            .put("value", a.value())
                            .put("weight", a.weight()));
          }
          if (sel.port() != null) {
            ObjectNode port = c.putObject("meshService");
            port.put("mesh", sel.port().mesh());
            port.put("name", sel.port().name());
            port.put("port", sel.port().port());
            port.put("section", sel.port().section());
          }
        });
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses what {@link #toJson()} wrote; the store is ours, so a bad value is a bug. */
  static ProxyDeps fromJson(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      SortedSet<String> services = new TreeSet<>();
      root.path("services").forEach(s -> services.add(s.asText()));
      SortedMap<String, EndpointSelector> clusters = new TreeMap<>();
      root.path("clusters")
          .properties()
          .forEach(
              e -> {
                SortedMap<String, String> tags = new TreeMap<>();
                e.getValue()
                    .path("tags")
                    .properties()
                    .forEach(t -> tags.put(t.getKey(), t.getValue().asText()));
                List<EndpointSelector.Affinity> affinity = new ArrayList<>();
                e.getValue()
                    .path("affinity")
                    .forEach(
                        a ->
                            affinity.add(
                                new EndpointSelector.Affinity(
                                    a.path("key").asText(),
                                    a.path("value").asText(),
                                    a.path("weight").asInt())));
                JsonNode ms = e.getValue().get("meshService");
                EndpointSelector.MeshServicePort port =
                    ms == null
                        ? null
                        : new EndpointSelector.MeshServicePort(
                            ms.path("mesh").asText(),
                            ms.path("name").asText(),
                            ms.path("port").asInt(),
                            ms.path("section").asText());
                clusters.put(
                    e.getKey(),
                    new EndpointSelector(
                        e.getValue().path("service").asText(), tags, affinity, port));
              });
      return new ProxyDeps(root.path("allServices").asBoolean(), services, clusters);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable proxy-deps value: " + json, e);
    }
  }

  static ProxyDeps none() {
    return new ProxyDeps(false, new TreeSet<>(), new TreeMap<>());
  }
}
