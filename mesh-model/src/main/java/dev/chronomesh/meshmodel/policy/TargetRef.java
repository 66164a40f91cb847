package dev.chronomesh.meshmodel.policy;

import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a policy (top-level {@code spec.targetRef}) or one of its {@code to}/{@code from} items
 * points at, in Kuma's targetRef shape. Absent optional fields are {@code null} (name, sectionName)
 * or empty (labels, tags); maps are copied into sorted, unmodifiable maps.
 */
public record TargetRef(
    Kind kind,
    String name,
    Map<String, String> labels,
    Map<String, String> tags,
    String sectionName,
    List<ProxyType> proxyTypes) {

  /**
   * Why the parts of Kuma 2.9+'s real-resource targeting Chronomesh does not resolve yet are
   * refused: a MeshService resource is named by {@code name} (a port by {@code sectionName} in
   * {@code to}, by {@code port} in a backendRef), not selected by labels.
   */
  public static final String MESH_SERVICE_RESOURCES =
      "MeshService resources selected by labels or a backendRef's sectionName (name a MeshService"
          + " by name, a port by port)";

  /**
   * The supported kinds, with Kuma's specificity rank ({@code api/common/v1alpha1/targetref.go}:
   * Mesh 1, Dataplane 2, MeshSubset 3, MeshGateway 4, MeshService 5, MeshServiceSubset 8,
   * MeshHTTPRoute 9): a higher rank is more specific and is merged later, so it wins. A {@code
   * MeshHTTPRoute} names the routes of a MeshHTTPRoute policy (by {@code name} or {@code labels}):
   * the types that allow it configure those routes ({@link PolicyType#routeTargets()}, {@link
   * PolicyEngine#routeRules}).
   */
  public enum Kind {
    MESH("Mesh", 1),
    DATAPLANE("Dataplane", 2),
    MESH_SUBSET("MeshSubset", 3),
    MESH_GATEWAY("MeshGateway", 4),
    MESH_SERVICE("MeshService", 5),
    MESH_SERVICE_SUBSET("MeshServiceSubset", 8),
    MESH_HTTP_ROUTE("MeshHTTPRoute", 9);

    private final String wireName;
    private final int rank;

    Kind(String wireName, int rank) {
      this.wireName = wireName;
      this.rank = rank;
    }

    /** The name used in YAML/JSON ({@code kind: MeshService}). */
    public String wireName() {
      return wireName;
    }

    /** Kuma's specificity rank; higher is more specific. */
    public int rank() {
      return rank;
    }

    /** Parses a wire name, or throws {@link IllegalArgumentException} naming the valid ones. */
    public static Kind fromWireName(String wireName) {
      for (Kind k : values()) {
        if (k.wireName.equals(wireName)) {
          return k;
        }
      }
      throw new IllegalArgumentException(
          "unknown targetRef kind '"
              + wireName
              + "', expected one of Mesh, MeshSubset, MeshGateway, MeshService, MeshServiceSubset,"
              + " Dataplane, MeshHTTPRoute");
    }
  }

  /**
   * Kuma's {@code proxyTypes} of a Mesh or MeshSubset targetRef: which data plane proxies it
   * selects. A Dataplane with {@code networking.gateway} is a Gateway, any other a Sidecar.
   */
  public enum ProxyType {
    SIDECAR("Sidecar"),
    GATEWAY("Gateway");

    private final String wireName;

    ProxyType(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    static java.util.Optional<ProxyType> fromWireName(String wireName) {
      for (ProxyType t : values()) {
        if (t.wireName.equals(wireName)) {
          return java.util.Optional.of(t);
        }
      }
      return java.util.Optional.empty();
    }
  }

  /**
   * @param proxyTypes null when not given (every proxy type); an empty list is invalid
   */
  public TargetRef {
    Objects.requireNonNull(kind, "kind");
    labels = labels == null ? Map.of() : sortedCopy(labels);
    tags = tags == null ? Map.of() : sortedCopy(tags);
    proxyTypes = proxyTypes == null ? null : List.copyOf(proxyTypes);
  }

  /** A reference without proxyTypes. */
  public TargetRef(
      Kind kind,
      String name,
      Map<String, String> labels,
      Map<String, String> tags,
      String sectionName) {
    this(kind, name, labels, tags, sectionName, null);
  }

  /** Whether a proxy of this type is selected (no proxyTypes: every type). */
  public boolean selectsProxyType(boolean gateway) {
    return proxyTypes == null
        || proxyTypes.contains(gateway ? ProxyType.GATEWAY : ProxyType.SIDECAR);
  }

  /** The reference as its document has it. */
  public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
    var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    o.put("kind", kind.wireName());
    if (name != null) o.put("name", name);
    if (!labels.isEmpty()) labels.forEach(o.putObject("labels")::put);
    if (!tags.isEmpty()) tags.forEach(o.putObject("tags")::put);
    if (sectionName != null) o.put("sectionName", sectionName);
    if (proxyTypes != null) {
      var types = o.putArray("proxyTypes");
      proxyTypes.forEach(t -> types.add(t.wireName()));
    }
    return o;
  }

  public static TargetRef mesh() {
    return new TargetRef(Kind.MESH, null, null, null, null);
  }

  public static TargetRef meshSubset(Map<String, String> tags) {
    return new TargetRef(Kind.MESH_SUBSET, null, null, tags, null);
  }

  public static TargetRef meshService(String name) {
    return new TargetRef(Kind.MESH_SERVICE, name, null, null, null);
  }

  public static TargetRef meshServiceSubset(String name, Map<String, String> tags) {
    return new TargetRef(Kind.MESH_SERVICE_SUBSET, name, null, tags, null);
  }

  public static TargetRef dataplaneNamed(String name) {
    return new TargetRef(Kind.DATAPLANE, name, null, null, null);
  }

  public static TargetRef dataplaneLabelled(Map<String, String> labels) {
    return new TargetRef(Kind.DATAPLANE, null, labels, null, null);
  }

  /** The same reference narrowed to one section (an inbound's name or port, a service port). */
  public TargetRef withSectionName(String section) {
    return new TargetRef(kind, name, labels, tags, section, proxyTypes);
  }

  /**
   * Every problem with this reference for the given position ({@code top}, {@code to} or {@code
   * from}), each with its path under {@code path}.
   */
  List<Violation> violations(String path, Position position) {
    List<Violation> out = new ArrayList<>();
    boolean hasName = name != null && !name.isEmpty();
    switch (kind) {
      case MESH -> {
        if (hasName) out.add(new Violation(path + ".name", "must not be set with kind Mesh"));
        if (!tags.isEmpty())
          out.add(new Violation(path + ".tags", "must not be set with kind Mesh"));
        if (!labels.isEmpty())
          out.add(new Violation(path + ".labels", "must not be set with kind Mesh"));
      }
      case MESH_SUBSET -> {
        if (hasName) out.add(new Violation(path + ".name", "must not be set with kind MeshSubset"));
        if (!labels.isEmpty())
          out.add(new Violation(path + ".labels", "must not be set with kind MeshSubset"));
      }
      case MESH_SERVICE -> {
        if (!labels.isEmpty()) {
          out.add(
              new Violation(
                  path + ".labels", Violations.NOT_SUPPORTED_YET + ": " + MESH_SERVICE_RESOURCES));
        } else if (!hasName) {
          out.add(new Violation(path + ".name", "must be set with kind MeshService"));
        }
        if (!tags.isEmpty())
          out.add(new Violation(path + ".tags", "must not be set with kind MeshService"));
      }
      case MESH_SERVICE_SUBSET -> {
        if (!hasName)
          out.add(new Violation(path + ".name", "must be set with kind MeshServiceSubset"));
        if (!labels.isEmpty())
          out.add(new Violation(path + ".labels", "must not be set with kind MeshServiceSubset"));
      }
      case MESH_GATEWAY -> {
        if (!hasName) out.add(new Violation(path + ".name", "must be set with kind MeshGateway"));
        if (!labels.isEmpty())
          out.add(new Violation(path + ".labels", "must not be set with kind MeshGateway"));
      }
      case DATAPLANE -> {
        if (hasName && !labels.isEmpty())
          out.add(new Violation(path + ".labels", "must not be set together with name"));
        if (!tags.isEmpty())
          out.add(new Violation(path + ".tags", "must not be set with kind Dataplane"));
      }
      case MESH_HTTP_ROUTE -> {
        // Kuma's ValidateTargetRef for kind MeshHTTPRoute.
        if (!hasName && labels.isEmpty())
          out.add(new Violation(path, "name or labels must be set when kind is MeshHTTPRoute"));
        if (hasName && !labels.isEmpty())
          out.add(
              new Violation(
                  path + ".labels", "either labels or name and namespace must be specified"));
        if (!tags.isEmpty())
          out.add(new Violation(path + ".tags", "must not be set with kind MeshHTTPRoute"));
        if (sectionName != null)
          out.add(new Violation(path + ".sectionName", "must not be set with kind MeshHTTPRoute"));
      }
    }
    if (kind == Kind.MESH_SUBSET || kind == Kind.MESH_SERVICE_SUBSET || kind == Kind.MESH_GATEWAY) {
      tags(out, path + ".tags", kind == Kind.MESH_SERVICE_SUBSET);
    }
    if ((kind == Kind.MESH_SERVICE || kind == Kind.MESH_SERVICE_SUBSET)
        && hasName
        && !PolicyChecks.NAME.matcher(name).matches()) {
      out.add(
          new Violation(
              path + ".name",
              "invalid characters: must consist of lower case alphanumeric characters, '-', '.'"
                  + " and '_'."));
    }
    if (proxyTypes != null) {
      if (position != Position.TOP || (kind != Kind.MESH && kind != Kind.MESH_SUBSET)) {
        out.add(
            new Violation(
                path + ".proxyTypes",
                "is only supported in the top-level targetRef with kind Mesh or MeshSubset"));
      } else if (proxyTypes.isEmpty()) {
        out.add(
            new Violation(path + ".proxyTypes", "must be undefined or have at least one element"));
      }
    }
    switch (position) {
      case TOP -> {
        if (sectionName != null && kind != Kind.DATAPLANE)
          out.add(new Violation(path + ".sectionName", "is only supported with kind Dataplane"));
      }
      case TO -> {
        if (kind != Kind.MESH && kind != Kind.MESH_SERVICE && kind != Kind.MESH_HTTP_ROUTE)
          out.add(
              new Violation(
                  path + ".kind",
                  "must be Mesh, MeshService or MeshHTTPRoute in 'to', got " + kind.wireName()));
        if (sectionName != null && kind != Kind.MESH_SERVICE && kind != Kind.MESH_HTTP_ROUTE)
          out.add(new Violation(path + ".sectionName", "is only supported with kind MeshService"));
      }
      case FROM -> {
        if (kind == Kind.DATAPLANE || kind == Kind.MESH_HTTP_ROUTE || kind == Kind.MESH_GATEWAY)
          out.add(
              new Violation(
                  path + ".kind",
                  "must be Mesh, MeshSubset, MeshService or MeshServiceSubset in 'from', got "
                      + kind.wireName()));
        if (sectionName != null)
          out.add(new Violation(path + ".sectionName", "is not supported in 'from'"));
      }
    }
    return out;
  }

  private static final java.util.regex.Pattern TAG_NAME =
      java.util.regex.Pattern.compile("^[a-zA-Z0-9.\\-_:/]*$");
  private static final java.util.regex.Pattern TAG_VALUE =
      java.util.regex.Pattern.compile("^[a-zA-Z0-9.\\-_:]*$");
  private static final java.util.regex.Pattern SELECTOR_VALUE =
      java.util.regex.Pattern.compile("^([a-zA-Z0-9.\\-_:/]*|\\*)$");

  /**
   * Kuma's ValidateTags (MeshSubset) and ValidateSelector (MeshServiceSubset, whose values may also
   * have slashes or be {@code *}): tag names and values of its character sets, not empty.
   */
  private void tags(List<Violation> out, String path, boolean selector) {
    tags.forEach(
        (key, value) -> {
          String at = Violations.key(path, key);
          if (key.isEmpty()) {
            out.add(new Violation(path, "tag name must be non-empty"));
          } else if (!TAG_NAME.matcher(key).matches()) {
            out.add(
                new Violation(
                    at,
                    "tag name must consist of alphanumeric characters, dots, dashes, slashes and"
                        + " underscores"));
          }
          if (value.isEmpty()) {
            out.add(new Violation(at, "tag value must be non-empty"));
          } else if (selector && value.equals("*")) {
            out.add(
                new Violation(at, Violations.NOT_SUPPORTED_YET + ": the wildcard tag value \"*\""));
          } else if (selector && !SELECTOR_VALUE.matcher(value).matches()) {
            out.add(
                new Violation(
                    at,
                    "tag value must consist of alphanumeric characters, dots, dashes, slashes and"
                        + " underscores or be \"*\""));
          } else if (!selector && !TAG_VALUE.matcher(value).matches()) {
            out.add(
                new Violation(
                    at,
                    "tag value must consist of alphanumeric characters, dots, dashes and"
                        + " underscores"));
          }
        });
  }

  /** Where a reference sits in a policy; each position allows different kinds. */
  enum Position {
    TOP,
    TO,
    FROM
  }

  private static Map<String, String> sortedCopy(Map<String, String> m) {
    Map<String, String> copy = new TreeMap<>();
    m.forEach(
        (k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value")));
    return java.util.Collections.unmodifiableMap(copy);
  }
}
