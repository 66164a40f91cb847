package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneMetrics;
import dev.chronomesh.events.avro.Metrics;
import dev.chronomesh.events.avro.MetricsBackend;
import dev.chronomesh.events.avro.PrometheusConf;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Kuma's Mesh {@code metrics} section (the Prometheus backend, until MeshMetric): read with Kuma's
 * defaulter ({@code mesh_defaulter.go}) applied, then its validator ({@code validateMetrics}); the
 * projector generates the stats listener from the enabled backend ({@link #enabledPrometheus}).
 */
public final class MeshMetrics {
  /** Kuma's defaults for a Prometheus backend. */
  public static final int DEFAULT_PORT = 5670;

  public static final String DEFAULT_PATH = "/metrics";
  static final String DEFAULT_SERVICE = "dataplane-metrics";
  static final String PROMETHEUS = "prometheus";
  static final String ACTIVE_MTLS_BACKEND = "activeMTLSBackend";
  static final String DISABLED = "disabled";
  static final String PROVIDED_TLS = "providedTLS";

  private MeshMetrics() {}

  /** The conf of the enabled backend when it is a Prometheus backend. */
  public static Optional<PrometheusConf> enabledPrometheus(Metrics metrics) {
    if (metrics == null || metrics.getEnabledBackend() == null) {
      return Optional.empty();
    }
    return metrics.getBackends().stream()
        .filter(b -> b.getName().equals(metrics.getEnabledBackend()))
        .filter(b -> PROMETHEUS.equals(b.getType()))
        .findFirst()
        .map(b -> b.getConf() == null ? defaults(null, null) : b.getConf());
  }

  static Metrics read(Obj metrics) {
    metrics.rejectUnknown(Set.of("enabledBackend", "backends"), Set.of());
    String enabled = metrics.string("enabledBackend", false);
    Map<String, Integer> seen = new HashMap<>();
    List<MetricsBackend> backends = new ArrayList<>();
    List<Obj> items = metrics.objects("backends");
    for (int i = 0; i < items.size(); i++) {
      Obj backend = items.get(i);
      backend.rejectUnknown(Set.of("name", "type", "conf"), Set.of());
      String name = backend.string("name", false);
      name = name == null ? "" : name;
      if (seen.putIfAbsent(name, i) != null) {
        backend
            .violations()
            .add(backend.path("name"), "\"" + name + "\" name is already used for another backend");
      }
      String type = backend.string("type", false);
      PrometheusConf conf = null;
      if (!PROMETHEUS.equals(type)) {
        backend
            .violations()
            .add(backend.path("type"), "unknown backend type. Available backends: \"prometheus\"");
      } else {
        Obj confObj = backend.object("conf");
        conf = confObj == null ? defaults(null, null) : conf(confObj);
      }
      backends.add(new MetricsBackend(name, type == null ? PROMETHEUS : type, conf));
    }
    if (enabled != null && !enabled.isEmpty() && !seen.containsKey(enabled)) {
      metrics
          .violations()
          .add(metrics.path("enabledBackend"), "has to be set to one of the backends in the mesh");
    }
    return new Metrics(enabled == null || enabled.isEmpty() ? null : enabled, backends);
  }

  /** Kuma's PrometheusMetricsBackendConfig, defaulted as Kuma's mesh defaulter does. */
  private static PrometheusConf conf(Obj conf) {
    conf.rejectUnknown(
        Set.of("port", "path", "tags", "skipMTLS", "envoy", "tls"), Set.of("aggregate"));
    Integer port = conf.port("port", false);
    String path = conf.string("path", false);
    Map<String, String> tags = conf.tags("tags");
    Boolean skipMtls = conf.bool("skipMTLS");
    EnvoyStats envoy = envoy(conf);
    String filterRegex = envoy.filterRegex();
    Boolean usedOnly = envoy.usedOnly();
    String tlsMode = null;
    Obj tls = conf.object("tls");
    if (tls != null) {
      tls.rejectUnknown(Set.of("mode"), Set.of());
      tlsMode = tls.string("mode", false);
      if (tlsMode == null || tlsMode.isEmpty()) {
        tlsMode = ACTIVE_MTLS_BACKEND;
      } else if (PROVIDED_TLS.equals(tlsMode)) {
        tls.violations()
            .notSupportedYet(
                tls.path("mode"),
                "the certificate and key paths come from kuma-dp's environment, which Chronomesh"
                    + " does not receive");
      } else if (!ACTIVE_MTLS_BACKEND.equals(tlsMode) && !DISABLED.equals(tlsMode)) {
        tls.violations()
            .add(
                tls.path("mode"),
                "must be one of: activeMTLSBackend, providedTLS, disabled; got \""
                    + Checks.excerpt(tlsMode)
                    + "\"");
      }
      if (skipMtls != null
          && !(skipMtls ? DISABLED : ACTIVE_MTLS_BACKEND).equals(tlsMode)
          && !PROVIDED_TLS.equals(tlsMode)) {
        conf.violations()
            .add(conf.path(), "skipMTLS and tls configuration cannot be defined together");
      }
    }
    PrometheusConf defaulted = defaults(skipMtls, tlsMode);
    if (port != null) {
      defaulted.setPort(port);
    }
    if (path != null && !path.isEmpty()) {
      defaulted.setPath(path);
    }
    if (!tags.isEmpty()) {
      defaulted.setTags(new TreeMap<>(tags));
    }
    defaulted.setEnvoyFilterRegex(filterRegex);
    defaulted.setEnvoyUsedOnly(usedOnly);
    return defaulted;
  }

  /** {@code conf.envoy}: which of Envoy's stats the endpoint serves. */
  private record EnvoyStats(String filterRegex, Boolean usedOnly) {}

  private static EnvoyStats envoy(Obj conf) {
    Obj envoy = conf.object("envoy");
    if (envoy == null) {
      return new EnvoyStats(null, null);
    }
    envoy.rejectUnknown(Set.of("filterRegex", "usedOnly"), Set.of());
    String filterRegex = envoy.string("filterRegex", false);
    if (filterRegex != null) {
      try {
        Pattern.compile(filterRegex);
      } catch (PatternSyntaxException e) {
        envoy
            .violations()
            .add(envoy.path("filterRegex"), "provided regexp isn't correct: " + e.getDescription());
      }
      if (filterRegex.isEmpty()) {
        filterRegex = null;
      }
    }
    return new EnvoyStats(filterRegex, envoy.bool("usedOnly"));
  }

  /**
   * A Dataplane's {@code metrics}: Kuma's MetricsBackend of type prometheus whose conf overrides
   * the mesh's enabled Prometheus backend field by field ({@code
   * DataplaneResource.GetPrometheusConfig}; nothing when the mesh enables none). The fields that
   * shape the stats endpoint are supported; {@code aggregate}, {@code tags}, {@code skipMTLS} and
   * {@code tls} are refused as not supported yet (they need kuma-dp's hijacker, Prometheus
   * discovery or mTLS), and so is {@code name}, which Kuma ignores on a dataplane.
   */
  static DataplaneMetrics readOverride(Obj metrics) {
    metrics.rejectUnknown(Set.of("type", "conf", "name"), Set.of());
    notSupportedIfGiven(
        metrics,
        "name",
        "a dataplane's metrics override the mesh's enabled backend; Kuma ignores it");
    String type = metrics.string("type", false);
    if (!PROMETHEUS.equals(type)) {
      metrics
          .violations()
          .add(metrics.path("type"), "unknown backend type. Available backends: \"prometheus\"");
    }
    DataplaneMetrics out = new DataplaneMetrics(null, null, null, null);
    Obj conf = metrics.object("conf");
    if (conf == null) {
      return out;
    }
    conf.rejectUnknown(
        Set.of("port", "path", "envoy", "aggregate", "tags", "skipMTLS", "tls"), Set.of());
    notSupportedIfGiven(
        conf,
        "aggregate",
        "the application's metrics need kuma-dp's metrics hijacker, which Chronomesh does not"
            + " address");
    notSupportedIfGiven(
        conf,
        "tags",
        "Kuma uses them in Prometheus discovery (MADS), which Chronomesh does not serve");
    for (String tls : List.of("skipMTLS", "tls")) {
      notSupportedIfGiven(conf, tls, "the endpoint is plaintext until Chronomesh has mTLS");
    }
    out.setPort(conf.port("port", false));
    String path = conf.string("path", false);
    out.setPath(path == null || path.isEmpty() ? null : path);
    EnvoyStats envoy = envoy(conf);
    out.setEnvoyFilterRegex(envoy.filterRegex());
    out.setEnvoyUsedOnly(envoy.usedOnly());
    return out;
  }

  private static void notSupportedIfGiven(Obj obj, String field, String why) {
    if (obj.raw(field) != null) {
      obj.violations().notSupportedYet(obj.path(field), why);
    }
  }

  /** The mesh's enabled Prometheus conf with a dataplane's override (null: none) applied. */
  public static PrometheusConf withOverride(PrometheusConf mesh, DataplaneMetrics override) {
    if (override == null) {
      return mesh;
    }
    PrometheusConf out = PrometheusConf.newBuilder(mesh).build();
    if (override.getPort() != null) out.setPort(override.getPort());
    if (override.getPath() != null) out.setPath(override.getPath());
    if (override.getEnvoyFilterRegex() != null) {
      out.setEnvoyFilterRegex(override.getEnvoyFilterRegex());
    }
    if (override.getEnvoyUsedOnly() != null) out.setEnvoyUsedOnly(override.getEnvoyUsedOnly());
    return out;
  }

  static void writeOverride(DataplaneMetrics metrics, ObjectNode into) {
    into.put("type", PROMETHEUS);
    ObjectNode conf = into.objectNode();
    if (metrics.getPort() != null) conf.put("port", metrics.getPort());
    if (metrics.getPath() != null) conf.put("path", metrics.getPath());
    if (metrics.getEnvoyFilterRegex() != null || metrics.getEnvoyUsedOnly() != null) {
      ObjectNode envoy = conf.putObject("envoy");
      if (metrics.getEnvoyFilterRegex() != null) {
        envoy.put("filterRegex", metrics.getEnvoyFilterRegex());
      }
      if (metrics.getEnvoyUsedOnly() != null) envoy.put("usedOnly", metrics.getEnvoyUsedOnly());
    }
    if (!conf.isEmpty()) {
      into.set("conf", conf);
    }
  }

  /** Kuma's defaults: port, path, tags, and tls.mode from skipMTLS. */
  private static PrometheusConf defaults(Boolean skipMtls, String tlsMode) {
    String mode = tlsMode;
    if (mode == null) {
      mode = skipMtls != null && skipMtls ? DISABLED : ACTIVE_MTLS_BACKEND;
    }
    return new PrometheusConf(
        DEFAULT_PORT,
        DEFAULT_PATH,
        new HashMap<>(Map.of(KumaTags.SERVICE, DEFAULT_SERVICE)),
        skipMtls,
        mode,
        null,
        null);
  }

  static void write(Metrics metrics, ObjectNode into) {
    if (metrics.getEnabledBackend() != null) {
      into.put("enabledBackend", metrics.getEnabledBackend());
    }
    var backends = into.putArray("backends");
    for (MetricsBackend b : metrics.getBackends()) {
      ObjectNode o = backends.addObject();
      o.put("name", b.getName());
      o.put("type", b.getType());
      PrometheusConf c = b.getConf();
      if (c == null) {
        continue;
      }
      ObjectNode conf = o.putObject("conf");
      conf.put("port", c.getPort());
      conf.put("path", c.getPath());
      if (!c.getTags().isEmpty()) {
        new TreeMap<>(c.getTags()).forEach(conf.putObject("tags")::put);
      }
      if (c.getSkipMTLS() != null) {
        conf.put("skipMTLS", c.getSkipMTLS());
      }
      if (c.getEnvoyFilterRegex() != null || c.getEnvoyUsedOnly() != null) {
        ObjectNode envoy = conf.putObject("envoy");
        if (c.getEnvoyFilterRegex() != null) {
          envoy.put("filterRegex", c.getEnvoyFilterRegex());
        }
        if (c.getEnvoyUsedOnly() != null) {
          envoy.put("usedOnly", c.getEnvoyUsedOnly());
        }
      }
      if (c.getTlsMode() != null) {
        conf.putObject("tls").put("mode", c.getTlsMode());
      }
    }
  }
}
