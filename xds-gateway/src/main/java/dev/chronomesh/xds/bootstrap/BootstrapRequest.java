package dev.chronomesh.xds.bootstrap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What kuma-dp 2.x posts to {@code /bootstrap} (Kuma's {@code pkg/xds/bootstrap/types}
 * BootstrapRequest), the fields Chronomesh reads. Fields kuma-dp adds in later versions are
 * ignored, as kuma-cp's JSON decoding ignores them; a field that is read is checked for its type.
 *
 * @param mesh the dataplane's mesh
 * @param name the dataplane's name
 * @param dataplaneToken the token kuma-dp read from its token file (empty: none)
 * @param dataplaneResource the Dataplane kuma-dp was given ({@code --dataplane-file}) as JSON, or
 *     null: the dataplane must already exist
 * @param caCert the PEM kuma-dp verifies the control plane with (empty: the gateway's CA)
 * @param version kuma-dp's and Envoy's versions, copied into the node metadata
 * @param dynamicMetadata {@code --dataplane-dynamic-metadata} pairs
 * @param features kuma-dp's features ({@code feature-delta-grpc}, ...)
 */
public record BootstrapRequest(
    String mesh,
    String name,
    String dataplaneToken,
    String dataplaneResource,
    String caCert,
    JsonNode version,
    Map<String, String> dynamicMetadata,
    List<String> features,
    int dnsPort,
    int readinessPort,
    boolean appProbeProxyEnabled,
    String workdir,
    String metricsCertPath,
    String metricsKeyPath,
    String systemCaPath,
    boolean ipv6Enabled,
    String spireSocketPath) {

  /** kuma-dp's feature that asks for incremental (delta) xDS. */
  public static final String FEATURE_DELTA_GRPC = "feature-delta-grpc";

  private static final ObjectMapper JSON = new ObjectMapper();

  public BootstrapRequest {
    dynamicMetadata = Map.copyOf(dynamicMetadata);
    features = List.copyOf(features);
  }

  /** The node id the bootstrap gives Envoy: {@code <mesh>.<name>}. */
  public String nodeId() {
    return mesh + "." + name;
  }

  /** Whether kuma-dp asked for delta xDS. */
  public boolean delta() {
    return features.contains(FEATURE_DELTA_GRPC);
  }

  /**
   * Parses and checks a request body.
   *
   * @throws ValidationException naming every problem with its field
   */
  public static BootstrapRequest parse(byte[] body) throws ValidationException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw invalid("is not JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw invalid("cannot be read: " + e.getMessage());
    }
    if (!(root instanceof ObjectNode doc)) {
      throw invalid("must be a JSON object (kuma-dp's bootstrap request)");
    }
    Violations violations = new Violations();
    String mesh = name(doc, "mesh", violations);
    String name = name(doc, "name", violations);
    if (mesh != null && mesh.contains(".")) {
      violations.add("mesh", "cannot contain '.': proxies are identified as <mesh>.<dataplane>");
    }
    String proxyType = string(doc, "proxyType", violations);
    if (!proxyType.isEmpty() && !proxyType.equals("dataplane")) {
      violations.notSupportedYet(
          "proxyType",
          "\""
              + proxyType
              + "\": Chronomesh bootstraps dataplanes only (zone ingress and egress proxies do"
              + " not exist here)");
    }
    String token = string(doc, "dataplaneToken", violations).strip();
    String resource = string(doc, "dataplaneResource", violations);
    String caCert = string(doc, "caCert", violations);
    JsonNode version = doc.path("version");
    if (!version.isMissingNode() && !version.isNull() && !version.isObject()) {
      violations.add("version", "must be an object");
      version = null;
    } else if (!version.isObject()) {
      version = null;
    }
    Map<String, String> metadata = stringMap(doc, "dynamicMetadata", violations);
    List<String> features = stringList(doc, "features", violations);
    int dnsPort = port(doc, "dnsPort", violations);
    int readinessPort = port(doc, "readinessPort", violations);
    boolean appProbe = bool(doc, "appProbeProxyDisabled", violations);
    String workdir = string(doc, "workdir", violations);
    String metricsCert =
        string(doc.path("metricsResources"), "metricsResources.certPath", "certPath", violations);
    String metricsKey =
        string(doc.path("metricsResources"), "metricsResources.keyPath", "keyPath", violations);
    String systemCa = string(doc, "systemCaPath", violations);
    boolean ipv6 = bool(doc, "ipv6Enabled", violations);
    String spire =
        string(doc.path("spireResources"), "spireResources.socketPath", "socketPath", violations);
    JsonNode redirect = doc.path("dataplaneConfig").path("redirect");
    for (String side : List.of("inbound", "outbound")) {
      if (redirect.path(side).path("enabled").asBoolean(false)) {
        violations.notSupportedYet(
            "dataplaneConfig.redirect." + side + ".enabled",
            "transparent proxying: the redirect listeners are not generated yet; run kuma-dp"
                + " without transparent proxying and list the outbounds in the Dataplane");
      }
    }
    violations.throwIfAny();
    return new BootstrapRequest(
        mesh,
        name,
        token,
        resource.isEmpty() ? null : resource,
        caCert,
        version,
        metadata,
        features,
        dnsPort,
        readinessPort,
        appProbe,
        workdir,
        metricsCert,
        metricsKey,
        systemCa,
        ipv6,
        spire);
  }

  /** The whole body's one problem. */
  private static ValidationException invalid(String reason) {
    return new ValidationException(List.of(new Violation("", reason)));
  }

  private static String name(JsonNode doc, String field, Violations violations) {
    String value = string(doc, field, violations);
    if (value.isBlank()) {
      if (doc.path(field).isMissingNode() || doc.path(field).isTextual()) {
        violations.add(field, "must be given (kuma-dp sends --mesh and --name)");
      }
      return null;
    }
    return value;
  }

  private static String string(JsonNode doc, String field, Violations violations) {
    return string(doc, field, field, violations);
  }

  private static String string(JsonNode doc, String path, String field, Violations violations) {
    JsonNode value = doc.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return "";
    }
    if (!value.isTextual()) {
      violations.add(path, "must be a string");
      return "";
    }
    return value.textValue();
  }

  private static int port(JsonNode doc, String field, Violations violations) {
    JsonNode value = doc.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return 0;
    }
    if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 0) {
      violations.add(field, "must be a port number");
      return 0;
    }
    if (value.intValue() > 65535) {
      violations.add(field, "must be at most 65535");
      return 0;
    }
    return value.intValue();
  }

  private static boolean bool(JsonNode doc, String field, Violations violations) {
    JsonNode value = doc.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      violations.add(field, "must be true or false");
      return false;
    }
    return value.booleanValue();
  }

  private static Map<String, String> stringMap(JsonNode doc, String field, Violations violations) {
    JsonNode value = doc.path(field);
    Map<String, String> map = new LinkedHashMap<>();
    if (value.isMissingNode() || value.isNull()) {
      return map;
    }
    if (!value.isObject()) {
      violations.add(field, "must be an object of strings");
      return map;
    }
    value
        .properties()
        .forEach(
            e -> {
              if (e.getValue().isTextual()) {
                map.put(e.getKey(), e.getValue().textValue());
              } else {
                violations.add(Violations.key(field, e.getKey()), "must be a string");
              }
            });
    return map;
  }

  private static List<String> stringList(JsonNode doc, String field, Violations violations) {
    JsonNode value = doc.path(field);
    List<String> list = new ArrayList<>();
    if (value.isMissingNode() || value.isNull()) {
      return list;
    }
    if (!value.isArray()) {
      violations.add(field, "must be a list of strings");
      return list;
    }
    for (int i = 0; i < value.size(); i++) {
      if (value.get(i).isTextual()) {
        list.add(value.get(i).textValue());
      } else {
        violations.add(Violations.index(field, i), "must be a string");
      }
    }
    return list;
  }
}
