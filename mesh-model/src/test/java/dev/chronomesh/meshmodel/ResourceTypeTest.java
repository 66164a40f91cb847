package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResourceTypeTest {

  /** From Kuma's docs: a mesh with builtin mTLS (plus a provided backend, not enabled). */
  static final String MESH_BUILTIN_MTLS =
      """
      type: Mesh
      name: default
      labels:
        team: platform
        kuma.io/origin: zone
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
          dpCert:
            rotation:
              expiration: 1d
          conf:
            caCert:
              RSAbits: 2048
              expiration: 10y
        - name: ca-2
          type: provided
          conf:
            key:
              secret: path-to-key
            cert:
              secret: path-to-cert
      """;

  /** From Kuma's docs: a dataplane with an inbound and an outbound. */
  static final String DATAPLANE =
      """
      type: Dataplane
      mesh: default
      name: web-01
      networking:
        address: 192.168.0.1
        inbound:
        - port: 11011
          servicePort: 11012
          tags:
            kuma.io/service: backend
            kuma.io/protocol: http
        outbound:
        - port: 33033
          tags:
            kuma.io/service: database
      """;

  static Stream<Arguments> validDocuments() {
    return Stream.of(
        Arguments.of(ResourceType.MESH, Format.YAML, MESH_BUILTIN_MTLS),
        Arguments.of(ResourceType.MESH, Format.YAML, "type: Mesh\nname: default\n"),
        Arguments.of(
            ResourceType.MESH,
            Format.JSON,
            "{\"type\":\"Mesh\",\"name\":\"default\",\"creationTime\":\"0001-01-01T00:00:00Z\","
                + "\"modificationTime\":\"0001-01-01T00:00:00Z\"}"),
        Arguments.of(ResourceType.DATAPLANE, Format.YAML, DATAPLANE),
        Arguments.of(
            ResourceType.DATAPLANE,
            Format.YAML,
            """
            type: Dataplane
            mesh: default
            name: backend-1
            labels:
              app.kubernetes.io/name: backend
            networking:
              address: backend.internal
              advertisedAddress: 10.0.0.1
              inbound:
              - port: 8080
                address: 10.0.0.2
                serviceAddress: 127.0.0.1
                state: NotReady
                health:
                  ready: false
                tags:
                  kuma.io/service: backend
                  version: v1
              - port: 9090
                tags:
                  kuma.io/service: backend-admin
              outbound:
              - port: 10001
                address: ::1
                tags:
                  kuma.io/service: redis
            """),
        Arguments.of(
            ResourceType.DATAPLANE,
            Format.JSON,
            "{\"type\":\"Dataplane\",\"mesh\":\"default\",\"name\":\"web-1\",\"networking\":"
                + "{\"address\":\"2001:db8::1\",\"inbound\":[{\"port\":80,\"tags\":"
                + "{\"kuma.io/service\":\"web\"}}]}}"),
        Arguments.of(ResourceType.DATAPLANE, Format.YAML, GATEWAY_DATAPLANE),
        Arguments.of(
            ResourceType.DATAPLANE,
            Format.YAML,
            """
            type: Dataplane
            mesh: default
            name: edge-1
            labels:
              kuma.io/mesh: default
              kuma.io/origin: zone
            networking:
              address: 10.0.0.3
              gateway:
                type: BUILTIN
                tags:
                  kuma.io/service: edge-gateway
            """),
        Arguments.of(ResourceType.DATAPLANE, Format.YAML, PROBES_DATAPLANE));
  }

  /** Kuma's gateway dataplane (universal): a delegated gateway has tags and no inbound. */
  static final String GATEWAY_DATAPLANE =
      """
      type: Dataplane
      mesh: default
      name: kong-01
      networking:
        address: 10.0.0.1
        gateway:
          tags:
            kuma.io/service: kong
        outbound:
        - port: 33033
          tags:
            kuma.io/service: backend
      """;

  /** A redis dataplane (universal), its networking last so a test can add to it. */
  static final String REDIS_DATAPLANE =
      """
      type: Dataplane
      mesh: default
      name: backend-1
      networking:
        address: 192.168.0.2
        inbound:
        - port: 9000
          servicePort: 6379
          tags:
            kuma.io/service: redis
      """;

  /** Kuma's virtual probes on a dataplane (universal). */
  static final String PROBES_DATAPLANE =
      REDIS_DATAPLANE
          + """
      probes:
        port: 9000
        endpoints:
        - inboundPort: 8080
          inboundPath: /healthz
          path: /8080/healthz
      """;

  /** Kuma's Secret (universal): the value is base64 ("hello world!"). */
  static final String SECRET =
      """
      type: Secret
      name: sample-secret
      mesh: default
      labels:
        team: a
      data: aGVsbG8gd29ybGQh
      """;

  /**
   * The input with the labels the server adds to mesh-scoped types (kuma.io/mesh, origin, env);
   * JSON objects compare as maps, so field order does not matter.
   */
  private static ObjectNode withKumaLabels(ResourceType type, ObjectNode input) {
    ObjectNode expected = input.deepCopy();
    if (type.scope() == Scope.MESH) {
      ObjectNode labels =
          expected.has("labels")
              ? (ObjectNode) expected.get("labels")
              : expected.putObject("labels");
      labels.put("kuma.io/mesh", expected.get("mesh").asText());
      labels.put("kuma.io/origin", "zone");
      labels.put("kuma.io/env", "universal");
    }
    return expected;
  }

  @ParameterizedTest
  @MethodSource("validDocuments")
  void parsesValidKumaDocumentsAndRendersThemBack(ResourceType type, Format format, String text)
      throws Exception {
    SpecificRecord record = type.parse(text.getBytes(UTF_8), format, null, null);

    JsonNode rendered = type.render(record, null, null);
    ObjectNode input = (ObjectNode) Documents.read(text.getBytes(UTF_8), format);
    input.remove("creationTime");
    input.remove("modificationTime");
    assertThat(rendered).isEqualTo(withKumaLabels(type, input));
    assertThat(type.read(rendered, null, null)).isEqualTo(record);
  }

  @Test
  void mapsMeshWithBuiltinMtlsToAvro() throws Exception {
    MeshResource mesh =
        (MeshResource)
            ResourceType.MESH.parse(MESH_BUILTIN_MTLS.getBytes(UTF_8), Format.YAML, null, null);

    assertThat(mesh.getName()).isEqualTo("default");
    assertThat(mesh.getLabels()).containsEntry("team", "platform");
    assertThat(mesh.getMtls().getEnabledBackend()).isEqualTo("ca-1");
    assertThat(mesh.getMtls().getBackends()).hasSize(2);
    assertThat(mesh.getMtls().getBackends().get(0).getDpCertRotationExpiration()).isEqualTo("1d");
    assertThat(mesh.getMtls().getBackends().get(0).getConfJson())
        .isEqualTo("{\"caCert\":{\"RSAbits\":2048,\"expiration\":\"10y\"}}");
    assertThat(mesh.getMtls().getBackends().get(1).getConfJson())
        .isEqualTo("{\"cert\":{\"secret\":\"path-to-cert\"},\"key\":{\"secret\":\"path-to-key\"}}");
  }

  @Test
  void mapsDataplaneToAvro() throws Exception {
    DataplaneResource dp =
        (DataplaneResource)
            ResourceType.DATAPLANE.parse(DATAPLANE.getBytes(UTF_8), Format.YAML, "default", null);

    assertThat(dp.getMesh()).isEqualTo("default");
    assertThat(dp.getAddress()).isEqualTo("192.168.0.1");
    assertThat(dp.getInbound().get(0).getPort()).isEqualTo(11011);
    assertThat(dp.getInbound().get(0).getServicePort()).isEqualTo(11012);
    assertThat(dp.getInbound().get(0).getTags()).containsEntry("kuma.io/service", "backend");
    assertThat(dp.getOutbound().get(0).getTags()).containsEntry("kuma.io/service", "database");
  }

  @Test
  void mapsGatewayAndProbes() throws Exception {
    DataplaneResource gw =
        (DataplaneResource)
            ResourceType.DATAPLANE.parse(
                GATEWAY_DATAPLANE.getBytes(UTF_8), Format.YAML, "default", "kong-01");
    DataplaneResource probes =
        (DataplaneResource)
            ResourceType.DATAPLANE.parse(PROBES_DATAPLANE.getBytes(UTF_8), Format.YAML, null, null);

    assertThat(gw.getInbound()).isEmpty();
    assertThat(gw.getGateway().getType()).isEqualTo("DELEGATED");
    assertThat(gw.getGateway().getTags()).containsEntry("kuma.io/service", "kong");
    assertThat(probes.getProbes().getPort()).isEqualTo(9000);
    assertThat(probes.getProbes().getEndpoints().get(0).getPath()).isEqualTo("/8080/healthz");
  }

  @Test
  void refusesEnvoyOnlySettingsOnAProxylessClient() {
    // A proxyless gRPC client has no Envoy to serve an admin or a probe listener: accepted, they
    // would change nothing.
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                ResourceType.DATAPLANE.parse(
                    PROBES_DATAPLANE
                        .replace(
                            "name: backend-1\n",
                            "name: backend-1\nlabels: {chronomesh.io/proxy-type: proxyless}\n")
                        .replace("networking:\n", "networking:\n  admin: {port: 9903}\n")
                        .getBytes(UTF_8),
                    Format.YAML,
                    null,
                    null));

    assertThat(e.violations())
        .extracting(Violation::field)
        .containsExactlyInAnyOrder("networking.admin", "probes");
    assertThat(e.violations())
        .allSatisfy(v -> assertThat(v.reason()).startsWith(Violations.NOT_SUPPORTED_YET));
  }

  @Test
  void refusesTransparentProxyingUntilItsListenersAreGenerated() {
    // kuma-website app/_src/resources/dataplane.md (transparentProxying): a valid Kuma document
    // whose redirected traffic Chronomesh would drop (no 15001/15006 listeners yet).
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                ResourceType.DATAPLANE.parse(
                    (REDIS_DATAPLANE
                            + """
                              transparentProxying:
                                redirectPortInbound: 15006
                                redirectPortOutbound: 15001
                            """)
                        .getBytes(UTF_8),
                    Format.YAML,
                    null,
                    null));

    assertThat(e.violations())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("networking.transparentProxying");
              assertThat(v.reason()).startsWith(Violations.NOT_SUPPORTED_YET);
            });
  }

  @Test
  void addsKumaLabelsToMeshScopedTypesOnly() throws Exception {
    DataplaneResource dp =
        (DataplaneResource)
            ResourceType.DATAPLANE.parse(DATAPLANE.getBytes(UTF_8), Format.YAML, null, null);
    MeshResource mesh =
        (MeshResource)
            ResourceType.MESH.parse(
                "type: Mesh\nname: m1\n".getBytes(UTF_8), Format.YAML, null, null);

    assertThat(dp.getLabels())
        .containsOnly(
            java.util.Map.entry("kuma.io/mesh", "default"),
            java.util.Map.entry("kuma.io/origin", "zone"),
            java.util.Map.entry("kuma.io/env", "universal"));
    // As Kuma: a Mesh cannot be created on a zone, so it gets no origin/env labels.
    assertThat(mesh.getLabels()).isEmpty();
  }

  @Test
  void rendersServerSetTimes() throws Exception {
    SpecificRecord mesh =
        ResourceType.MESH.parse("type: Mesh\nname: m1\n".getBytes(UTF_8), Format.YAML, null, null);
    Instant t0 = Instant.parse("2025-01-02T03:04:05.678Z");
    Instant t1 = Instant.parse("2025-01-02T03:04:06Z");

    JsonNode doc = ResourceType.MESH.render(mesh, t0, t1);

    assertThat(doc.toString())
        .isEqualTo(
            "{\"type\":\"Mesh\",\"name\":\"m1\",\"creationTime\":\"2025-01-02T03:04:05.678Z\","
                + "\"modificationTime\":\"2025-01-02T03:04:06Z\"}");
  }

  static Stream<Arguments> invalidDocuments() {
    return Stream.of(
        Arguments.of(
            "wrong type and bad name",
            ResourceType.MESH,
            "type: Dataplane\nname: Bad_Name\n",
            List.of("type", "name")),
        Arguments.of(
            "missing type and name", ResourceType.MESH, "labels: {}\n", List.of("type", "name")),
        Arguments.of(
            "name with a slash", ResourceType.MESH, "type: Mesh\nname: a/b\n", List.of("name")),
        Arguments.of(
            "name too long",
            ResourceType.MESH,
            "type: Mesh\nname: " + "a".repeat(254) + "\n",
            List.of("name")),
        Arguments.of(
            "unknown and unsupported fields",
            ResourceType.MESH,
            "type: Mesh\nname: m\nmesh: m\nfoo: 1\nlogging: {}\nmtls:\n  bar: true\n",
            List.of("mesh", "foo", "logging", "mtls.bar")),
        Arguments.of(
            "wrong JSON types",
            ResourceType.MESH,
            "type: Mesh\nname: 5\nlabels: [a]\nmtls: yes\n",
            List.of("name", "labels", "mtls")),
        Arguments.of(
            "bad labels",
            ResourceType.MESH,
            "type: Mesh\nname: m\nlabels:\n  Bad..Prefix/x: v\n  ok: 7\n  k: 'bad value!'\n",
            List.of("labels[\"Bad..Prefix/x\"]", "labels[\"ok\"]", "labels[\"k\"]")),
        Arguments.of(
            "mtls backends",
            ResourceType.MESH,
            """
            type: Mesh
            name: m
            mtls:
              enabledBackend: nope
              backends:
              - name: ca-1
                type: builtin
              - name: ca-1
                type: vault
                dpCert:
                  rotation:
                    expiration: soon
              - name: ca-3
                type: provided
                conf:
                  cert:
                    secret: c
              - type: builtin
              - 42
            """,
            List.of(
                "mtls.enabledBackend",
                "mtls.backends[1].name",
                "mtls.backends[1].type",
                "mtls.backends[1].dpCert.rotation.expiration",
                "mtls.backends[2].conf.key",
                "mtls.backends[3].name",
                "mtls.backends[4]")),
        Arguments.of(
            "dataplane networking",
            ResourceType.DATAPLANE,
            """
            type: Dataplane
            mesh: default
            name: web-1
            networking:
              address: 300.1.1.1
              advertisedAddress: "bad host"
              admin: {port: 70000}
              inbound:
              - port: 0
                servicePort: 70000
                address: not_valid
                state: Sleeping
                health:
                  ready: "yes"
                tags:
                  version: v1
              - port: "8080"
                tags:
                  kuma.io/service: "web app"
                  "": x
              outbound:
              - port: 1234
                tags:
                  version: v2
              - address: 127.0.0.1
                tags:
                  kuma.io/service: db
            """,
            List.of(
                "networking.address",
                "networking.advertisedAddress",
                "networking.admin.port",
                "networking.inbound[0].port",
                "networking.inbound[0].servicePort",
                "networking.inbound[0].address",
                "networking.inbound[0].state",
                "networking.inbound[0].health.ready",
                "networking.inbound[0].tags[\"kuma.io/service\"]",
                "networking.inbound[1].port",
                "networking.inbound[1].tags[\"kuma.io/service\"]",
                "networking.inbound[1].tags[\"\"]",
                "networking.outbound[0].tags[\"kuma.io/service\"]",
                "networking.outbound[1].port")),
        Arguments.of(
            "dataplane without networking or mesh",
            ResourceType.DATAPLANE,
            "type: Dataplane\nname: web-1\n",
            List.of("mesh", "networking")),
        Arguments.of("not an object", ResourceType.DATAPLANE, "- just\n- a list\n", List.of("")),
        Arguments.of("invalid YAML", ResourceType.MESH, "type: Mesh\n  name: [x\n", List.of("")),
        Arguments.of(
            "two documents",
            ResourceType.MESH,
            "type: Mesh\nname: a\n---\ntype: Mesh\nname: b\n",
            List.of("")),
        Arguments.of(
            "duplicate keys", ResourceType.MESH, "type: Mesh\nname: a\nname: b\n", List.of("")),
        Arguments.of("empty body", ResourceType.MESH, "", List.of("")),
        Arguments.of(
            "mesh name with a dot", ResourceType.MESH, "type: Mesh\nname: a.b\n", List.of("name")),
        Arguments.of(
            "dataplane in a mesh name with a dot",
            ResourceType.DATAPLANE,
            "type: Dataplane\nmesh: a.b\nname: dp\nnetworking:\n  address: 127.0.0.1\n"
                + "  inbound:\n    - port: 80\n      tags:\n        kuma.io/service: s\n",
            List.of("mesh")),
        Arguments.of(
            "gateway with inbound, without service tag, wrong type",
            ResourceType.DATAPLANE,
            """
            type: Dataplane
            mesh: default
            name: gw-1
            networking:
              address: 10.0.0.1
              gateway:
                type: EXTERNAL
                color: blue
                tags:
                  version: v1
              inbound:
              - port: 80
                tags:
                  kuma.io/service: web
            """,
            List.of(
                "networking",
                "networking.gateway.type",
                "networking.gateway.color",
                "networking.gateway.tags[\"kuma.io/service\"]")),
        Arguments.of(
            "gateway that is not an object",
            ResourceType.DATAPLANE,
            "type: Dataplane\nmesh: m\nname: gw\nnetworking:\n  address: 10.0.0.1\n"
                + "  gateway: [x]\n",
            List.of("networking.gateway")),
        Arguments.of(
            "transparent proxying",
            ResourceType.DATAPLANE,
            """
            type: Dataplane
            mesh: default
            name: tp-1
            networking:
              address: 10.0.0.1
              inbound:
              - port: 80
                tags:
                  kuma.io/service: web
              transparentProxying:
                redirectPortInbound: 70000
                redirectPortOutbound: -1
                directAccessServices: ["", 5]
                reachableServices: redis
                ipFamilyMode: IPv5
                redirectPortInboundV6: 15010
            """,
            List.of(
                "networking.transparentProxying.redirectPortInbound",
                "networking.transparentProxying.redirectPortOutbound",
                "networking.transparentProxying.directAccessServices[0]",
                "networking.transparentProxying.directAccessServices[1]",
                "networking.transparentProxying.reachableServices",
                "networking.transparentProxying.ipFamilyMode",
                "networking.transparentProxying.redirectPortInboundV6",
                "networking.transparentProxying")),
        Arguments.of(
            "transparent proxying with one port for both directions",
            ResourceType.DATAPLANE,
            """
            type: Dataplane
            mesh: default
            name: tp-1
            networking:
              address: 10.0.0.1
              inbound:
              - port: 80
                tags:
                  kuma.io/service: web
              transparentProxying:
                redirectPortInbound: 15001
                redirectPortOutbound: 15001
            """,
            List.of(
                "networking.transparentProxying.redirectPortOutbound",
                "networking.transparentProxying")),
        Arguments.of(
            "probes",
            ResourceType.DATAPLANE,
            """
            type: Dataplane
            mesh: default
            name: p-1
            networking:
              address: 10.0.0.1
              inbound:
              - port: 80
                tags:
                  kuma.io/service: web
            probes:
              endpoints:
              - inboundPort: 0
                inboundPath: healthz
                path: "/a b"
              - inboundPath: 7
                extra: 1
              - nope
            """,
            List.of(
                "probes.port",
                "probes.endpoints[0].inboundPort",
                "probes.endpoints[0].inboundPath",
                "probes.endpoints[0].path",
                "probes.endpoints[1].inboundPort",
                "probes.endpoints[1].inboundPath",
                "probes.endpoints[1].path",
                "probes.endpoints[1].extra",
                "probes.endpoints[2]")),
        Arguments.of(
            "kuma labels that contradict the resource",
            ResourceType.DATAPLANE,
            """
            type: Dataplane
            mesh: default
            name: dp-1
            labels:
              kuma.io/mesh: other
              kuma.io/origin: global
              kuma.io/env: kubernetes
            networking:
              address: 10.0.0.1
              inbound:
              - port: 80
                tags:
                  kuma.io/service: web
            """,
            List.of(
                "labels[\"kuma.io/mesh\"]",
                "labels[\"kuma.io/origin\"]",
                "labels[\"kuma.io/env\"]")),
        Arguments.of(
            "secret without data, unknown field",
            ResourceType.SECRET,
            "type: Secret\nmesh: default\nname: s\nvalue: x\n",
            List.of("data", "value")),
        Arguments.of(
            "secret data not a string, bad name, no mesh",
            ResourceType.SECRET,
            "type: Secret\nname: S!\ndata: [1]\n",
            List.of("data", "name", "mesh")),
        Arguments.of(
            "secret data not base64",
            ResourceType.SECRET,
            "type: Secret\nmesh: default\nname: s\ndata: 'not base64!'\n",
            List.of("data")),
        Arguments.of(
            "secret data empty",
            ResourceType.SECRET,
            "type: Secret\nmesh: default\nname: s\ndata: ''\n",
            List.of("data")),
        Arguments.of(
            "secret data over 64 KiB",
            ResourceType.SECRET,
            "type: Secret\nmesh: default\nname: s\ndata: "
                + Base64.getEncoder().encodeToString(new byte[64 * 1024 + 1])
                + "\n",
            List.of("data")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidDocuments")
  void rejectsInvalidDocumentsNamingEveryPath(
      String description, ResourceType type, String yaml, List<String> paths) {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () -> type.parse(yaml.getBytes(UTF_8), Format.YAML, null, null, new TestSealer("k1")));

    assertThat(e).as(description).isNotNull();
    assertThat(e.violations())
        .as(e.getMessage())
        .extracting(Violation::field)
        .containsExactlyInAnyOrderElementsOf(paths);
    assertThat(e.violations()).allSatisfy(v -> assertThat(v.reason()).isNotBlank());
  }

  @Test
  void rejectsBodyThatDoesNotMatchThePath() {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                ResourceType.DATAPLANE.parse(
                    DATAPLANE.getBytes(UTF_8), Format.YAML, "other", "web-02"));

    assertThat(e.violations()).extracting(Violation::field).containsExactly("name", "mesh");
  }

  @Test
  void rejectsInvalidJsonWithLineAndColumn() {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                ResourceType.MESH.parse(
                    "{\"type\": \"Mesh\",\n \"name\": }".getBytes(UTF_8), Format.JSON, null, null));

    assertThat(e.violations()).hasSize(1);
    assertThat(e.violations().get(0).reason()).startsWith("invalid JSON at line 2");
  }

  @Test
  void unknownKumaFieldsGetAHint() {
    ValidationException e =
        catchThrowableOfType(
            ValidationException.class,
            () ->
                ResourceType.MESH.parse(
                    "type: Mesh\nname: m\ntracing: {}\n".getBytes(UTF_8), Format.YAML, null, null));

    assertThat(e.violations())
        .containsExactly(new Violation("tracing", "not supported by Chronomesh yet"));
  }

  @Test
  void formatFollowsContentType() {
    assertThat(Format.forContentType("application/yaml")).isEqualTo(Format.YAML);
    assertThat(Format.forContentType("application/x-yaml; charset=utf-8")).isEqualTo(Format.YAML);
    assertThat(Format.forContentType("text/yaml")).isEqualTo(Format.YAML);
    assertThat(Format.forContentType("application/json")).isEqualTo(Format.JSON);
    assertThat(Format.forContentType(null)).isEqualTo(Format.JSON);
    assertThat(Format.forContentType("application/merge-patch+json")).isEqualTo(Format.JSON);
    assertThat(Format.forContentType("text/plain")).isNull();
  }
}
