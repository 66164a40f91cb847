package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.Constraints;
import dev.chronomesh.events.avro.DataplaneProxyConstraints;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Metrics;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Kuma's Mesh (universal format) ⇄ {@link MeshResource}. */
final class MeshMapper implements ResourceMapper<MeshResource> {
  private static final Set<String> BACKEND_TYPES = Set.of("builtin", "provided");

  private static final Set<String> BACKEND_MODES = Set.of(MeshMtls.STRICT, MeshMtls.PERMISSIVE);

  @Override
  public Class<MeshResource> recordClass() {
    return MeshResource.class;
  }

  @Override
  public Set<String> specFields() {
    return Set.of("mtls", "metrics", "constraints", "skipCreatingInitialPolicies", "meshServices");
  }

  @Override
  public Set<String> unsupportedKumaFields() {
    return Set.of("logging", "tracing", "networking", "routing");
  }

  @Override
  public MeshResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    Obj doc = Obj.of(document, "", violations);
    Mtls mtls = null;
    Obj mtlsObj = doc.object("mtls");
    if (mtlsObj != null) {
      mtls = mtls(mtlsObj);
    }
    Metrics metrics = null;
    Obj metricsObj = doc.object("metrics");
    if (metricsObj != null) {
      metrics = MeshMetrics.read(metricsObj);
    }
    Constraints constraints = null;
    Obj constraintsObj = doc.object("constraints");
    if (constraintsObj != null) {
      constraints = constraints(constraintsObj);
    }
    Obj meshServicesObj = doc.object("meshServices");
    if (meshServicesObj != null) {
      meshServices(meshServicesObj);
    }
    List<String> skip = doc.stringList("skipCreatingInitialPolicies");
    if (!violations.isEmpty()) {
      return null;
    }
    return new MeshResource(
        metadata.name(), new HashMap<>(metadata.labels()), mtls, metrics, constraints, skip);
  }

  /** Kuma's MeshServices modes (api/mesh/v1alpha1/mesh.proto). */
  private static final List<String> MESH_SERVICES_MODES =
      List.of("Disabled", "Everywhere", "ReachableBackends", "Exclusive");

  /**
   * Kuma's {@code meshServices.mode}. Only {@code Disabled}, the default, is supported: no
   * MeshService is generated from the dataplanes, MeshService resources are written by users (as
   * Chronomesh always does), so it is accepted and stored as the default. The other modes need
   * Kuma's MeshService generator (one per {@code kuma.io/service}, pkg/core/resources/apis/
   * meshservice/generate) and, for Exclusive, outbounds without {@code kuma.io/service}.
   */
  private static void meshServices(Obj meshServices) {
    meshServices.rejectUnknown(Set.of("mode"), Set.of());
    String mode = meshServices.string("mode", false);
    if (mode == null || mode.equals("Disabled")) {
      return;
    }
    if (MESH_SERVICES_MODES.contains(mode)) {
      meshServices
          .violations()
          .notSupportedYet(
              meshServices.path("mode"),
              "mode "
                  + mode
                  + ": MeshServices generated from the dataplanes' kuma.io/service tags; write"
                  + " MeshService resources instead");
    } else {
      meshServices
          .violations()
          .add(
              meshServices.path("mode"),
              "must be one of " + String.join(", ", MESH_SERVICES_MODES) + ", got " + mode);
    }
  }

  /**
   * constraints.dataplaneProxy: requirements and restrictions, each a non-empty tag selector (as
   * Kuma's {@code validateDppConstraints}); enforced on Dataplane writes by the {@link Decider}.
   */
  private static Constraints constraints(Obj constraints) {
    constraints.rejectUnknown(Set.of("dataplaneProxy"), Set.of());
    Obj dpp = constraints.object("dataplaneProxy");
    if (dpp == null) {
      return new Constraints(null);
    }
    dpp.rejectUnknown(Set.of("requirements", "restrictions"), Set.of());
    return new Constraints(
        new DataplaneProxyConstraints(rules(dpp, "requirements"), rules(dpp, "restrictions")));
  }

  private static List<Map<String, String>> rules(Obj owner, String field) {
    List<Map<String, String>> out = new ArrayList<>();
    for (Obj rule : owner.objects(field)) {
      rule.rejectUnknown(Set.of("tags"), Set.of());
      Map<String, String> tags = Checks.selector(rule, "tags");
      out.add(new TreeMap<>(tags));
    }
    return out;
  }

  private static Mtls mtls(Obj mtls) {
    mtls.rejectUnknown(Set.of("enabledBackend", "backends"), Set.of("skipValidation"));
    String enabled = mtls.string("enabledBackend", false);
    List<MtlsBackend> backends = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    List<JsonNode> items = mtls.array("backends");
    for (int i = 0; i < items.size(); i++) {
      Obj backend =
          Obj.of(items.get(i), Violations.index(mtls.path("backends"), i), mtls.violations());
      if (backend == null) {
        continue;
      }
      JsonNode rawName = backend.raw("name");
      if (rawName != null && rawName.isTextual()) {
        Integer first = seen.putIfAbsent(rawName.textValue(), i);
        if (first != null) {
          mtls.violations()
              .add(
                  backend.path("name"),
                  "\""
                      + rawName.textValue()
                      + "\" is already used by backends["
                      + first
                      + "]: backend names must be unique");
        }
      }
      MtlsBackend b = backend(backend);
      if (b == null) {
        continue;
      }
      backends.add(b);
    }
    if (enabled != null && !enabled.isEmpty() && !seen.containsKey(enabled)) {
      mtls.violations()
          .add(
              mtls.path("enabledBackend"),
              "has to be set to one of the backends in the mesh, got \"" + enabled + "\"");
    }
    return new Mtls(enabled == null || enabled.isEmpty() ? null : enabled, backends);
  }

  /**
   * Kuma's builtin CA conf ({@code BuiltinCertificateAuthorityConfig}): {@code caCert.RSAbits} and
   * {@code caCert.expiration}; Kuma refuses any other field when it converts the conf. RSA keys of
   * 2048 to 8192 bits (Kuma takes any size Go's RSA generator accepts; below 2048 bits a key is too
   * weak, above 8192 its generation takes minutes).
   */
  private static void checkBuiltinConf(Obj conf) {
    conf.rejectUnknown(Set.of("caCert"), Set.of());
    Obj caCert = conf.object("caCert");
    if (caCert == null) {
      return;
    }
    caCert.rejectUnknown(Set.of("RSAbits", "expiration"), Set.of());
    JsonNode bits = caCert.raw("RSAbits");
    if (bits != null
        && (!bits.canConvertToInt()
            || !bits.isIntegralNumber()
            || bits.asInt() < 2048
            || bits.asInt() > 8192)) {
      caCert.violations().add(caCert.path("RSAbits"), "must be a number of bits from 2048 to 8192");
    }
    String expiration = caCert.string("expiration", false);
    if (expiration != null) {
      String reason = Checks.duration(expiration);
      if (reason != null) {
        caCert.violations().add(caCert.path("expiration"), reason);
      }
    }
  }

  private static MtlsBackend backend(Obj backend) {
    backend.rejectUnknown(Set.of("name", "type", "dpCert", "conf", "mode"), Set.of("rootChain"));
    int before = backend.violations().size();
    String name = backend.string("name", true);
    if (name != null) {
      String reason = Checks.name(name);
      if (reason != null) {
        backend.violations().add(backend.path("name"), reason);
      }
    }
    String type = backend.string("type", true);
    if (type != null && !BACKEND_TYPES.contains(type)) {
      backend
          .violations()
          .add(backend.path("type"), "must be one of: builtin, provided; got \"" + type + "\"");
    }
    String mode = backend.string("mode", false);
    if (mode != null && !BACKEND_MODES.contains(mode)) {
      backend
          .violations()
          .add(backend.path("mode"), "must be one of: STRICT, PERMISSIVE; got \"" + mode + "\"");
    }
    String expiration = null;
    Obj dpCert = backend.object("dpCert");
    if (dpCert != null) {
      dpCert.rejectUnknown(Set.of("rotation"), Set.of("requestTimeout"));
      Obj rotation = dpCert.object("rotation");
      if (rotation != null) {
        rotation.rejectUnknown(Set.of("expiration"), Set.of());
        expiration = rotation.string("expiration", false);
        if (expiration != null) {
          String reason = Checks.duration(expiration);
          if (reason != null) {
            rotation.violations().add(rotation.path("expiration"), reason);
          }
        }
      }
    }
    String confJson = null;
    Obj conf = backend.object("conf");
    if (conf != null) {
      confJson = Documents.canonicalJson(backend.raw("conf"));
      if ("provided".equals(type)) {
        for (String required : List.of("cert", "key")) {
          if (conf.raw(required) == null) {
            conf.violations().add(conf.path(required), "has to be defined for a provided backend");
          }
        }
        ProvidedCa.checkInline(conf);
      } else if ("builtin".equals(type)) {
        checkBuiltinConf(conf);
      }
    } else if ("provided".equals(type)) {
      backend.violations().add(backend.path("conf"), "has to be defined for a provided backend");
    }
    if (backend.violations().size() > before) {
      return null;
    }
    return new MtlsBackend(name, type, expiration, confJson, mode);
  }

  @Override
  public void write(MeshResource mesh, ObjectNode document, Sealer opener) {
    if (!mesh.getSkipCreatingInitialPolicies().isEmpty()) {
      mesh.getSkipCreatingInitialPolicies()
          .forEach(document.putArray("skipCreatingInitialPolicies")::add);
    }
    writeMtls(mesh, document);
    if (mesh.getMetrics() != null) {
      MeshMetrics.write(mesh.getMetrics(), document.putObject("metrics"));
    }
    Constraints constraints = mesh.getConstraints();
    if (constraints != null) {
      ObjectNode c = document.putObject("constraints");
      DataplaneProxyConstraints dpp = constraints.getDataplaneProxy();
      if (dpp != null) {
        ObjectNode d = c.putObject("dataplaneProxy");
        writeRules(d, "requirements", dpp.getRequirements());
        writeRules(d, "restrictions", dpp.getRestrictions());
      }
    }
  }

  private static void writeRules(ObjectNode into, String field, List<Map<String, String>> rules) {
    if (rules.isEmpty()) {
      return;
    }
    var array = into.putArray(field);
    for (Map<String, String> rule : rules) {
      ObjectNode tags = array.addObject().putObject("tags");
      new TreeMap<>(rule).forEach(tags::put);
    }
  }

  private static void writeMtls(MeshResource mesh, ObjectNode document) {
    Mtls mtls = mesh.getMtls();
    if (mtls == null) {
      return;
    }
    ObjectNode m = document.putObject("mtls");
    if (mtls.getEnabledBackend() != null) {
      m.put("enabledBackend", mtls.getEnabledBackend());
    }
    var backends = m.putArray("backends");
    for (MtlsBackend b : mtls.getBackends()) {
      ObjectNode o = backends.addObject();
      o.put("name", b.getName());
      o.put("type", b.getType());
      if (b.getDpCertRotationExpiration() != null) {
        o.putObject("dpCert")
            .putObject("rotation")
            .put("expiration", b.getDpCertRotationExpiration());
      }
      if (b.getConfJson() != null) {
        o.set("conf", Documents.parseStoredJson(b.getConfJson()));
      }
      if (b.getMode() != null) {
        o.put("mode", b.getMode());
      }
    }
  }

  @Override
  public String name(MeshResource resource) {
    return resource.getName();
  }

  @Override
  public String mesh(MeshResource resource) {
    return resource.getName();
  }

  @Override
  public Map<String, String> labels(MeshResource resource) {
    return resource.getLabels();
  }
}
