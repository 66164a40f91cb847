package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chronomesh.events.KumaTags;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Small builders for policy engine tests. */
final class Fixtures {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  static ObjectNode conf(String yaml) {
    try {
      return (ObjectNode) YAML.readTree(yaml);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String json(Object node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ProxyView.Inbound inbound(String name, int port, String service, String... kv) {
    Map<String, String> tags = new java.util.TreeMap<>();
    tags.put(KumaTags.SERVICE, service);
    for (int i = 0; i < kv.length; i += 2) tags.put(kv[i], kv[i + 1]);
    return new ProxyView.Inbound(name, port, tags);
  }

  /** backend-1 in mesh default: inbound "http" 8080 backend/v1, "grpc" 9090 backend-grpc. */
  static ProxyView backend() {
    return new ProxyView(
        "default",
        "backend-1",
        Map.of("app", "backend", "env", "prod"),
        List.of(
            inbound("http", 8080, "backend", "version", "v1"),
            inbound("grpc", 9090, "backend-grpc", "version", "v1")));
  }

  static Policy to(String name, TargetRef top, Map<String, String> labels, ToItem... items) {
    return new Policy("MeshTimeout", name, "default", labels, top, List.of(items), null, null);
  }

  static Policy to(String name, TargetRef top, ToItem... items) {
    return to(name, top, Map.of(), items);
  }

  static ToItem toMesh(String yaml) {
    return new ToItem(TargetRef.mesh(), conf(yaml));
  }

  static ToItem toService(String service, String yaml) {
    return new ToItem(TargetRef.meshService(service), conf(yaml));
  }
}
