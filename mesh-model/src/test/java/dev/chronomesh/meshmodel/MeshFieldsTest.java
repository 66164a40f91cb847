package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.PrometheusConf;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Mesh and Dataplane fields of Kuma 2.14 that change the config or the decider's rules. */
class MeshFieldsTest {

  // Kuma v2.14.3 pkg/core/resources/apis/mesh/mesh_defaulter.go and its test: a Prometheus
  // backend without conf gets port 5670, path /metrics, the dataplane-metrics tag and
  // tls.mode activeMTLSBackend, stored and shown as Kuma shows them.
  @Test
  void prometheusBackendGetsKumasDefaults() throws Exception {
    MeshResource mesh =
        (MeshResource)
            parse(
                ResourceType.MESH,
                """
                type: Mesh
                name: default
                metrics:
                  enabledBackend: prometheus-1
                  backends:
                    - name: prometheus-1
                      type: prometheus
                """);

    PrometheusConf conf = MeshMetrics.enabledPrometheus(mesh.getMetrics()).orElseThrow();
    assertThat(conf.getPort()).isEqualTo(5670);
    assertThat(conf.getPath()).isEqualTo("/metrics");
    assertThat(conf.getTlsMode()).isEqualTo("activeMTLSBackend");
    assertThat(ResourceType.MESH.render(mesh, null, null))
        .isEqualTo(
            Documents.read(
                """
                type: Mesh
                name: default
                metrics:
                  enabledBackend: prometheus-1
                  backends:
                    - name: prometheus-1
                      type: prometheus
                      conf:
                        port: 5670
                        path: /metrics
                        tags: {kuma.io/service: dataplane-metrics}
                        tls: {mode: activeMTLSBackend}
                """
                    .getBytes(UTF_8),
                Format.YAML));
  }

  @Test
  void skipMtlsTrueMeansTlsDisabledAsKumasDefaulter() throws Exception {
    MeshResource mesh =
        (MeshResource)
            parse(
                ResourceType.MESH,
                "type: Mesh\nname: m\nmetrics:\n  enabledBackend: p\n  backends:\n"
                    + "    - {name: p, type: prometheus, conf: {skipMTLS: true, port: 1234}}\n");

    PrometheusConf conf = MeshMetrics.enabledPrometheus(mesh.getMetrics()).orElseThrow();
    assertThat(conf.getTlsMode()).isEqualTo("disabled");
    assertThat(conf.getPort()).isEqualTo(1234);
  }

  // Kuma v2.14.3 mesh_validator.go validateMetrics / validatePrometheusConfig and
  // validateConstraints, and pkg/plugins/ca/provided/ca_cert_validator.go.
  @Test
  void refusesWhatKumasMeshValidatorRefuses() {
    List<String> paths =
        violations(
            ResourceType.MESH,
            """
            type: Mesh
            name: default
            metrics:
              enabledBackend: nope
              backends:
                - name: p
                  type: statsd
                - name: p
                  type: prometheus
                  conf:
                    skipMTLS: true
                    tls: {mode: activeMTLSBackend}
                    envoy: {filterRegex: "(unclosed"}
            constraints:
              dataplaneProxy:
                requirements:
                  - tags: {}
                restrictions:
                  - tags: {kuma.io/zone: "bad value!"}
            mtls:
              backends:
                - name: ca-1
                  type: provided
                  conf:
                    cert: {inlineString: "not a certificate"}
                    key: {secret: key-1}
            """);

    assertThat(paths)
        .containsExactlyInAnyOrder(
            "metrics.enabledBackend",
            "metrics.backends[0].type",
            "metrics.backends[1].name",
            "metrics.backends[1].conf",
            "metrics.backends[1].conf.envoy.filterRegex",
            "constraints.dataplaneProxy.requirements[0].tags",
            "constraints.dataplaneProxy.restrictions[0].tags[\"kuma.io/zone\"]",
            "mtls.backends[0].conf.cert");
  }

  // Kuma accepts a provided CA's cert and key from a file on its control plane's disk and the key
  // inline; Chronomesh's CA service reads no disk, and the Mesh is stored in clear.
  @Test
  void providedCaKeysLiveInSecretsAndNoSourceIsAFile() {
    List<Violation> refused =
        refusal(
            ResourceType.MESH,
            """
            type: Mesh
            name: default
            mtls:
              backends:
                - name: ca-1
                  type: provided
                  conf:
                    cert: {file: /etc/ca.pem}
                    key: {inlineString: "-----BEGIN PRIVATE KEY-----"}
                - name: ca-2
                  type: provided
                  conf:
                    cert: {secret: ca-cert}
                    key: {inline: "S0VZ"}
            """);

    assertThat(refused)
        .allSatisfy(v -> assertThat(v.reason()).startsWith(Violations.NOT_SUPPORTED_YET))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "mtls.backends[0].conf.cert.file",
            "mtls.backends[0].conf.key.inlineString",
            "mtls.backends[1].conf.key.inline");
  }

  // Kuma v2.14.3 pkg/plugins/ca/builtin/config/builtin_ca_config.proto: caCert.RSAbits and
  // caCert.expiration, nothing else (util_proto.ToTyped refuses unknown fields).
  @Test
  void builtinCaConfHoldsKumasTwoFieldsWithUsableValues() {
    List<String> paths =
        violations(
            ResourceType.MESH,
            """
            type: Mesh
            name: default
            mtls:
              enabledBackend: ca-1
              backends:
                - name: ca-1
                  type: builtin
                  conf:
                    caCert: {RSAbits: 512, expiration: ten years, size: 3}
                    extra: true
                - name: ca-2
                  type: builtin
                  conf:
                    caCert: {RSAbits: 2048.5}
            """);

    assertThat(paths)
        .containsExactlyInAnyOrder(
            "mtls.backends[0].conf.extra",
            "mtls.backends[0].conf.caCert.size",
            "mtls.backends[0].conf.caCert.RSAbits",
            "mtls.backends[0].conf.caCert.expiration",
            "mtls.backends[1].conf.caCert.RSAbits");
    assertThatCode(
            () ->
                parse(
                    ResourceType.MESH,
                    "type: Mesh\nname: m\nmtls:\n  backends:\n  - name: ca-1\n"
                        + "    type: builtin\n    conf: {caCert: {RSAbits: 4096, expiration: 1y}}\n"))
        .doesNotThrowAnyException();
  }

  @Test
  void aggregateAndProvidedTlsAreNotSupportedYet() {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                parse(
                    ResourceType.MESH,
                    "type: Mesh\nname: m\nmetrics:\n  backends:\n    - name: p\n"
                        + "      type: prometheus\n      conf:\n"
                        + "        aggregate: [{name: app, port: 1234, path: /stats}]\n"
                        + "        tls: {mode: providedTLS}\n"));

    assertThat(e.violations())
        .allSatisfy(v -> assertThat(v.reason()).startsWith(Violations.NOT_SUPPORTED_YET))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "metrics.backends[0].conf.aggregate", "metrics.backends[0].conf.tls.mode");
  }

  // Kuma v2.14.3 dataplane_validator_test.go: "dataplane with admin port equal to inbound",
  // "... equal to outbound", "... but different network interfaces".
  @Test
  void adminPortMustDifferFromLoopbackInboundsAndOutbounds() {
    assertThat(
            violations(
                ResourceType.DATAPLANE,
                """
                type: Dataplane
                mesh: default
                name: dp-1
                networking:
                  address: 192.168.0.1
                  admin: {port: 7777}
                  inbound:
                    - port: 8080
                      servicePort: 7777
                      serviceAddress: 127.0.0.1
                      tags: {kuma.io/service: backend}
                  outbound:
                    - port: 7777
                      tags: {kuma.io/service: redis}
                """))
        .containsExactly("networking.admin.port", "networking.admin.port");
  }

  @Test
  void namedInboundAndAdminPortAreStoredAndShown() throws Exception {
    String yaml =
        """
        type: Dataplane
        mesh: default
        name: dp-1
        networking:
          address: 192.168.0.1
          admin: {port: 9903}
          inbound:
            - port: 8080
              name: http
              tags: {kuma.io/service: backend}
        """;
    DataplaneResource dp = (DataplaneResource) parse(ResourceType.DATAPLANE, yaml);

    assertThat(dp.getAdminPort()).isEqualTo(9903);
    assertThat(dp.getInbound().get(0).getName()).isEqualTo("http");
    assertThat(ProxyViews.of(dp).inbounds().get(0).key()).isEqualTo("http");
    assertThat(
            ResourceType.DATAPLANE.render(dp, null, null).at("/networking/inbound/0/name").asText())
        .isEqualTo("http");
  }

  @Test
  void adminPortZeroMeansKumasDefault() throws Exception {
    DataplaneResource dp =
        (DataplaneResource)
            parse(
                ResourceType.DATAPLANE,
                "type: Dataplane\nmesh: default\nname: dp-1\nnetworking:\n"
                    + "  address: 192.168.0.1\n  admin: {port: 0}\n");

    assertThat(dp.getAdminPort()).isNull();
  }

  @Test
  void serviceProbeIsKeptAsGivenAndCheckedAsKumaChecksIt() throws Exception {
    DataplaneResource dp =
        (DataplaneResource)
            parse(
                ResourceType.DATAPLANE,
                """
                type: Dataplane
                mesh: default
                name: dp-1
                networking:
                  address: 192.168.0.1
                  inbound:
                    - port: 8080
                      serviceProbe: {interval: 10s, timeout: 1.5s, unhealthyThreshold: 3, tcp: {}}
                      tags: {kuma.io/service: backend}
                """);
    var probe = dp.getInbound().get(0).getServiceProbe();
    assertThat(probe.getInterval()).isEqualTo("10s");
    assertThat(probe.getTimeout()).isEqualTo("1.500s");
    assertThat(probe.getUnhealthyThreshold()).isEqualTo(3);
    assertThat(probe.getHealthyThreshold()).isNull();

    // Kuma's validator case "dataplane with service probe" (v2.14.3), and what its parser refuses.
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                parse(
                    ResourceType.DATAPLANE,
                    """
                    type: Dataplane
                    mesh: default
                    name: dp-1
                    networking:
                      address: 192.168.0.1
                      inbound:
                        - port: 8080
                          serviceProbe:
                            timeout: 1s
                            interval: '0'
                            healthyThreshold: 5
                            unhealthyThreshold: 0
                            tcp: {}
                          tags: {kuma.io/service: backend}
                        - port: 8081
                          serviceProbe: {timeout: 1m, http: {}}
                          tags: {kuma.io/service: backend}
                    """));
    assertThat(e.violations())
        .containsExactly(
            new Violation(
                "networking.inbound[0].serviceProbe.interval", "must have a positive value"),
            new Violation(
                "networking.inbound[0].serviceProbe.unhealthyThreshold",
                "must have a positive value"),
            new Violation("networking.inbound[1].serviceProbe.http", "unknown field"),
            new Violation(
                "networking.inbound[1].serviceProbe.timeout",
                "must be a duration such as 10s or 1.5s"));
  }

  /** A dataplane with one inbound, to which a test adds the fields it checks. */
  private static final String DP_1 =
      """
      type: Dataplane
      mesh: default
      name: dp-1
      networking:
        address: 192.168.0.1
        inbound:
          - port: 8080
            tags: {kuma.io/service: backend}
      """;

  // Kuma v2.14.3 dataplane_helpers.go GetPrometheusConfig: the dataplane's conf is merged over
  // the mesh's enabled backend, each field given replacing the mesh's.
  @Test
  void dataplaneMetricsOverrideTheMeshsPrometheusBackendFieldByField() throws Exception {
    MeshResource mesh =
        (MeshResource)
            parse(
                ResourceType.MESH,
                """
                type: Mesh
                name: default
                metrics:
                  enabledBackend: p
                  backends:
                    - name: p
                      type: prometheus
                      conf: {envoy: {filterRegex: "^http"}}
                """);
    String yaml =
        DP_1
            + """
        metrics:
          type: prometheus
          conf:
            port: 1234
            envoy: {usedOnly: true}
        """;
    DataplaneResource dp = (DataplaneResource) parse(ResourceType.DATAPLANE, yaml);

    PrometheusConf conf =
        MeshMetrics.withOverride(
            MeshMetrics.enabledPrometheus(mesh.getMetrics()).orElseThrow(), dp.getMetrics());
    assertThat(conf.getPort()).isEqualTo(1234);
    assertThat(conf.getPath()).isEqualTo("/metrics");
    assertThat(conf.getEnvoyFilterRegex()).isEqualTo("^http");
    assertThat(conf.getEnvoyUsedOnly()).isTrue();
    assertThat(ResourceType.DATAPLANE.render(dp, null, null).get("metrics"))
        .isEqualTo(Documents.read(yaml.getBytes(UTF_8), Format.YAML).get("metrics"));
  }

  // Kuma v2.14.3 dataplane_validator_test.go "dataplane with not supported metrics type"; the
  // fields that need kuma-dp's hijacker, discovery or mTLS are not supported yet.
  @Test
  void dataplaneMetricsRefusesOtherTypesAndWhatItCannotApply() {
    List<Violation> refused =
        refusal(
            ResourceType.DATAPLANE,
            DP_1
                + """
            metrics:
              name: p
              type: zipkin
              conf:
                aggregate: [{name: app, port: 123, path: /stats}]
                tags: {a: b}
            """);

    assertThat(refused)
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "metrics.name", "metrics.type", "metrics.conf.aggregate", "metrics.conf.tags");
    assertThat(refused)
        .filteredOn(v -> !v.field().equals("metrics.type"))
        .allSatisfy(v -> assertThat(v.reason()).startsWith(Violations.NOT_SUPPORTED_YET));
  }

  // Kuma v2.14.3 api/mesh/v1alpha1/mesh.proto CertificateAuthorityBackend.Mode: STRICT (the
  // default) or PERMISSIVE, stored and shown as given; any other value is named.
  @Test
  void mtlsBackendModeIsStoredAndShownAndAnUnknownModeIsRefused() throws Exception {
    String permissive =
        """
        type: Mesh
        name: default
        mtls:
          enabledBackend: ca-1
          backends:
            - name: ca-1
              type: builtin
              mode: PERMISSIVE
        """;
    MeshResource mesh = (MeshResource) parse(ResourceType.MESH, permissive);
    assertThat(mesh.getMtls().getBackends().get(0).getMode()).isEqualTo("PERMISSIVE");
    assertThat(ResourceType.MESH.render(mesh, null, null))
        .isEqualTo(Documents.read(permissive.getBytes(UTF_8), Format.YAML));
    assertThat(
            refusal(ResourceType.MESH, permissive.replace("PERMISSIVE", "permissive")).stream()
                .map(Violation::toString)
                .toList())
        .singleElement()
        .asString()
        .contains("mtls.backends[0].mode", "must be one of: STRICT, PERMISSIVE");
  }

  // Kuma v2.14.3 api/mesh/v1alpha1/mesh.proto MeshServices.Mode: Disabled (the default, no
  // MeshService generated) is what Chronomesh does; the generating modes are refused by name.
  @Test
  void meshServicesModeDisabledIsAcceptedAndTheGeneratingModesAreNotSupportedYet()
      throws Exception {
    parse(ResourceType.MESH, "type: Mesh\nname: default\nmeshServices: {mode: Disabled}\n");
    parse(ResourceType.MESH, "type: Mesh\nname: default\nmeshServices: {}\n");
    for (String mode : List.of("Everywhere", "ReachableBackends", "Exclusive")) {
      assertThat(
              refusal(
                  ResourceType.MESH,
                  "type: Mesh\nname: default\nmeshServices: {mode: " + mode + "}\n"))
          .containsExactly(
              new Violation(
                  "meshServices.mode",
                  Violations.NOT_SUPPORTED_YET
                      + ": mode "
                      + mode
                      + ": MeshServices generated from the dataplanes' kuma.io/service tags;"
                      + " write MeshService resources instead"));
    }
    assertThat(
            violations(
                ResourceType.MESH,
                "type: Mesh\nname: default\nmeshServices: {mode: Sometimes, x: 1}\n"))
        .containsExactlyInAnyOrder("meshServices.mode", "meshServices.x");
  }

  private static List<String> violations(ResourceType type, String yaml) {
    return refusal(type, yaml).stream().map(Violation::field).toList();
  }

  private static List<Violation> refusal(ResourceType type, String yaml) {
    ValidationException e =
        catchThrowableOfType(ValidationException.class, () -> parse(type, yaml));
    assertThat(e).as("refused").isNotNull();
    return e.violations();
  }

  private static Object parse(ResourceType type, String yaml) throws ValidationException {
    return type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
  }
}
