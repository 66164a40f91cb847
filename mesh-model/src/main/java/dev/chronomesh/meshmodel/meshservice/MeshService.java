package dev.chronomesh.meshmodel.meshservice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.Documents;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A Kuma MeshService resource as generation reads it (Kuma 2.14: {@code
 * pkg/core/resources/apis/meshservice/api/v1alpha1}): the dataplanes it selects and its ports. It
 * is stored in the policy envelope {@link PolicyResource} (type {@value #TYPE}, the validated spec
 * as JSON), so it needs no schema of its own.
 *
 * @param selector which dataplanes are its endpoints
 * @param ports its ports, in document order
 */
public record MeshService(
    String name, String mesh, Map<String, String> labels, Selector selector, List<Port> ports) {

  /** The Kuma type name. */
  public static final String TYPE = "MeshService";

  /** Kuma's type short name, part of its cluster names ({@code <mesh>_<name>___msvc_<port>}). */
  public static final String SHORT_NAME = "msvc";

  public MeshService {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mesh, "mesh");
    labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    Objects.requireNonNull(selector, "selector");
    ports = List.copyOf(ports);
  }

  /**
   * Which dataplanes a MeshService selects; at most one of the three is set (Kuma's validator), and
   * none selects nothing.
   *
   * @param dataplaneTags a dataplane one of whose inbounds has all these tags, or null
   * @param dataplaneRef the dataplane of this name, or null
   * @param dataplaneLabels a dataplane whose labels contain all these, or null
   */
  public record Selector(
      Map<String, String> dataplaneTags, String dataplaneRef, Map<String, String> dataplaneLabels) {
    public Selector {
      dataplaneTags = dataplaneTags == null ? null : Map.copyOf(dataplaneTags);
      dataplaneLabels = dataplaneLabels == null ? null : Map.copyOf(dataplaneLabels);
    }

    /** Kuma's {@code MatchesDataplane} (pkg/core/resources/apis/meshservice/match.go). */
    public boolean matches(DataplaneResource dp) {
      if (dataplaneRef != null) {
        return dataplaneRef.equals(dp.getName());
      }
      if (dataplaneTags != null) {
        // Dataplane.Matches: one of its inbounds carries every tag of the selector.
        return dp.getInbound().stream().anyMatch(in -> containsAll(in.getTags(), dataplaneTags));
      }
      if (dataplaneLabels != null) {
        return containsAll(dp.getLabels(), dataplaneLabels);
      }
      return false;
    }
  }

  /**
   * One port of a MeshService.
   *
   * @param name its name, or null (then its section name is its number)
   * @param port the port callers use
   * @param targetPort the inbound it reaches on each selected dataplane by port, or null
   * @param targetName the inbound it reaches by name (targetPort written as a string), or null;
   *     with neither it reaches none, as in Kuma
   * @param appProtocol Kuma's protocol (tcp when absent)
   */
  public record Port(
      String name, int port, Integer targetPort, String targetName, String appProtocol) {
    public Port {
      Objects.requireNonNull(appProtocol, "appProtocol");
    }

    /** Kuma's {@code Port.GetName}: the name, else the number as text. */
    public String sectionName() {
      return name != null ? name : Integer.toString(port);
    }

    /** Kuma's {@code MatchInboundWithMeshServicePort}: the inbound this port reaches. */
    public boolean reaches(Inbound inbound) {
      if (targetPort != null) {
        return targetPort == inbound.getPort();
      }
      return targetName != null && targetName.equals(inbound.getName());
    }
  }

  /** The MeshService a stored payload holds, or empty when it is of another type. */
  public static Optional<MeshService> of(Object payload) {
    Optional<JsonNode> stored = Documents.envelopeSpec(payload, TYPE);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    PolicyResource r = (PolicyResource) payload;
    JsonNode spec = stored.get();
    JsonNode sel = spec.path("selector");
    Selector selector =
        new Selector(
            sel.has("dataplaneTags") ? strings(sel.get("dataplaneTags")) : null,
            sel.has("dataplaneRef") ? sel.path("dataplaneRef").path("name").asText("") : null,
            sel.has("dataplaneLabels")
                ? strings(sel.path("dataplaneLabels").path("matchLabels"))
                : null);
    List<Port> ports = new ArrayList<>();
    for (JsonNode p : spec.path("ports")) {
      ports.add(
          new Port(
              p.hasNonNull("name") ? p.get("name").asText() : null,
              p.path("port").asInt(),
              p.path("targetPort").isInt() ? p.get("targetPort").intValue() : null,
              p.path("targetPort").isTextual() ? p.get("targetPort").textValue() : null,
              p.path("appProtocol").asText("tcp")));
    }
    return Optional.of(new MeshService(r.getName(), r.getMesh(), r.getLabels(), selector, ports));
  }

  /**
   * The port a backendRef or targetRef section names: Kuma's {@code FindPortByName}, by name or by
   * number.
   */
  public Optional<Port> port(String section) {
    return ports.stream()
        .filter(p -> section.equals(p.name()) || section.equals(Integer.toString(p.port())))
        .findFirst();
  }

  /** The port with number {@code port}. */
  public Optional<Port> port(int port) {
    return ports.stream().filter(p -> p.port() == port).findFirst();
  }

  /**
   * Kuma's (non-unified) name of the cluster of one port: {@code
   * <mesh>_<name>_<namespace>_<zone>_msvc_<port>}, with no namespace (universal) and no zone name.
   */
  public String clusterName(Port port) {
    return clusterName(mesh, name, port.port());
  }

  /**
   * {@link #clusterName(Port)} of port {@code port} of MeshService {@code name} of {@code mesh}.
   */
  public static String clusterName(String mesh, String name, int port) {
    return mesh + "_" + name + "___" + SHORT_NAME + "_" + port;
  }

  /** Whether every label of the {@code wanted} map is in {@link #labels()} (Kuma's labels refs). */
  public boolean hasLabels(Map<String, String> wanted) {
    return containsAll(labels, wanted);
  }

  private static boolean containsAll(Map<String, String> have, Map<String, String> want) {
    return want.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())));
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> out = new TreeMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
