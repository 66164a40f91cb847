package dev.chronomesh.projector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import dev.chronomesh.projector.generate.Protos;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Map;

/**
 * A proxy's current Envoy config as JSON, for people ({@code GET .../dataplanes/{name}/_config}):
 * its resources by kind in Envoy's proto3 JSON, with the endpoint sets of its EDS clusters, its
 * version and the events that caused it.
 */
public final class ConfigDump {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigDump() {}

  /** The dump of {@code config}, with {@code endpoints} by cluster name (missing ones skipped). */
  public static String render(ProxyConfig config, Map<String, ClusterEndpoints> endpoints) {
    ObjectNode root = JSON.createObjectNode();
    root.put("mesh", config.getMesh());
    root.put("dataplane", config.getProxy());
    root.put("version", config.getVersion());
    ArrayNode causes = root.putArray("causes");
    for (EventRef c : config.getCauses()) {
      causes
          .addObject()
          .put("partition", c.getPartition())
          .put("offset", c.getOffset())
          .put("occurredAt", c.getOccurredAt().toString());
    }
    ObjectNode resources = root.putObject("resources");
    ArrayNode listeners = resources.putArray("listeners");
    ArrayNode clusters = resources.putArray("clusters");
    ArrayNode routes = resources.putArray("routes");
    ArrayNode secrets = resources.putArray("secrets");
    ArrayNode loadAssignments = resources.putArray("endpoints");
    for (XdsResource r : config.getResources()) {
      byte[] bytes = bytes(r.getValue());
      try {
        switch (r.getTypeUrl()) {
          case "type.googleapis.com/envoy.config.listener.v3.Listener" ->
              listeners.add(json(Listener.parseFrom(bytes)));
          case "type.googleapis.com/envoy.config.cluster.v3.Cluster" ->
              clusters.add(json(Cluster.parseFrom(bytes)));
          case "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" ->
              routes.add(json(RouteConfiguration.parseFrom(bytes)));
          case "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret" ->
              secrets.addObject().put("name", r.getName());
          case ConfigPublisher.CLA_TYPE_URL ->
              loadAssignments.add(json(ClusterLoadAssignment.parseFrom(bytes)));
          default ->
              resources
                  .withArray("unknown")
                  .addObject()
                  .put("typeUrl", r.getTypeUrl())
                  .put("name", r.getName());
        }
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("the projector wrote an unreadable " + r.getTypeUrl(), e);
      }
    }
    for (ClusterEndpoints e : endpoints.values()) {
      try {
        ObjectNode cla = json(ClusterLoadAssignment.parseFrom(bytes(e.getLoadAssignment())));
        cla.put("_version", e.getVersion());
        loadAssignments.add(cla);
      } catch (InvalidProtocolBufferException ex) {
        throw new IllegalStateException("the projector wrote unreadable endpoints", ex);
      }
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode json(Message message) {
    try {
      // The types packed in the message too: a MeshProxyPatch may add any Envoy extension.
      JsonNode node =
          JSON.readTree(
              JsonFormat.printer()
                  .usingTypeRegistry(Protos.jsonTypes(message))
                  .omittingInsignificantWhitespace()
                  .print(message));
      return (ObjectNode) node;
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("cannot render " + message.getDescriptorForType(), e);
    }
  }

  private static byte[] bytes(java.nio.ByteBuffer buffer) {
    java.nio.ByteBuffer copy = buffer.duplicate();
    byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }
}
