package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MeshService resource type: Kuma 2.14's REST schema and validator (cases of {@code
 * pkg/core/resources/apis/meshservice/api/v1alpha1/validator_test.go}), its storage and matching.
 */
class MeshServiceTest {

  @Test
  void kumasValidatorAcceptsEverySelectorAndAnEmptySpec() throws Exception {
    for (String spec :
        List.of(
            "{}",
            "{selector: {dataplaneTags: {app: redis}}}",
            "{selector: {dataplaneRef: {name: redis-01}}}",
            "{selector: {dataplaneLabels: {matchLabels: {app: redis}}}}")) {
      parse("type: MeshService\nname: meshservice\nmesh: default\nspec: " + spec + "\n");
    }
  }

  @Test
  void kumasValidatorRefusesTwoSelectorsAndALongName() {
    // validator_test.go: "multiple selectors specified", "name too long"
    assertThat(
            violations(
                """
                type: MeshService
                name: meshservice-too-long-too-long-too-long-too-long-too-long-too-long-too-long
                mesh: default
                spec:
                  selector:
                    dataplaneTags: {app: redis}
                    dataplaneLabels: {matchLabels: {app: redis}}
                """))
        .containsExactlyInAnyOrder(
            "name: must not be longer than 63 characters",
            "spec.selector: must specify only one of: dataplaneTags, dataplaneRef, or"
                + " dataplaneLabels");
  }

  @Test
  void schemaTypesAndUnsupportedIdentitiesAreRefusedWithTheirPaths() {
    assertThat(
            violations(
                """
                type: MeshService
                name: backend
                mesh: default
                spec:
                  state: Up
                  identities: [{type: ServiceTag, value: backend}]
                  ports:
                    - {port: http, targetPort: [1]}
                    - {targetPort: 8080, protocol: http}
                """))
        .containsExactlyInAnyOrder(
            "spec.state: must be one of Available, Unavailable",
            "spec.identities: not supported by Chronomesh yet: service identities are for mTLS,"
                + " which Chronomesh does not generate yet",
            "spec.ports[0].port: must be a 32-bit integer",
            "spec.ports[0].targetPort: must be an integer or a string",
            "spec.ports[1].port: is required",
            "spec.ports[1].protocol: unknown field");
  }

  @Test
  void kumasDocsExampleIsStoredWithoutItsReadOnlyStatus() throws Exception {
    // From Kuma's documentation (kuma-website app/_src/networking/meshservice.md): status is
    // read-only, and Kuma's PUT keeps only the spec.
    PolicyResource stored =
        parse(
            """
            type: MeshService
            name: redis
            mesh: default
            labels:
              team: db-operators
            spec:
              selector:
                dataplaneTags:
                  app: redis
                  k8s.kuma.io/namespace: kuma-demo
              ports:
              - port: 6739
                targetPort: 6739
                appProtocol: tcp
              - name: some-port
                port: 16739
                targetPort: target-port-from-container
                appProtocol: tcp
            status:
              addresses:
              - hostname: redis.mesh
                origin: HostnameGenerator
                hostnameGeneratorRef:
                  coreName: kmy-hostname-generator
              vips:
              - ip: 10.0.1.1
            """);
    assertThat(ResourceType.MESH_SERVICE.render(stored, null, null).has("status")).isFalse();
    MeshService ms = MeshService.of(stored).orElseThrow();
    assertThat(ms.ports())
        .containsExactly(
            new MeshService.Port(null, 6739, 6739, null, "tcp"),
            new MeshService.Port("some-port", 16739, null, "target-port-from-container", "tcp"));
    assertThat(ms.port("some-port").orElseThrow().port()).isEqualTo(16739);
    assertThat(ms.port("6739").orElseThrow().sectionName()).isEqualTo("6739");
    assertThat(ms.clusterName(ms.ports().get(0))).isEqualTo("default_redis___msvc_6739");
    assertThat(ms.labels()).containsEntry("team", "db-operators");
  }

  @Test
  void selectsDataplanesAsKumasMatchDoes() throws Exception {
    DataplaneResource redis =
        (DataplaneResource)
            ResourceType.DATAPLANE.parse(
                """
                type: Dataplane
                name: redis-01
                mesh: default
                labels: {team: db}
                networking:
                  address: 10.0.0.1
                  inbound:
                    - {port: 6379, name: main, tags: {kuma.io/service: redis, app: redis}}
                    - {port: 9000, tags: {kuma.io/service: redis-admin}}
                """
                    .getBytes(UTF_8),
                Format.YAML,
                null,
                null);
    assertThat(new MeshService.Selector(Map.of("app", "redis"), null, null).matches(redis))
        .isTrue();
    assertThat(
            new MeshService.Selector(
                    Map.of("app", "redis", "kuma.io/service", "redis-admin"), null, null)
                .matches(redis))
        .as("every tag on one inbound")
        .isFalse();
    assertThat(new MeshService.Selector(null, "redis-01", null).matches(redis)).isTrue();
    assertThat(new MeshService.Selector(null, null, Map.of("team", "db")).matches(redis)).isTrue();
    assertThat(new MeshService.Selector(null, null, null).matches(redis)).isFalse();
    MeshService.Port byName = new MeshService.Port("p", 80, null, "main", "tcp");
    MeshService.Port byNumber = new MeshService.Port("p", 80, 9000, null, "tcp");
    assertThat(redis.getInbound().stream().filter(byName::reaches).map(i -> i.getPort()))
        .containsExactly(6379);
    assertThat(redis.getInbound().stream().filter(byNumber::reaches).map(i -> i.getPort()))
        .containsExactly(9000);
  }

  @Test
  void anOutboundByBackendRefIsCheckedAsKumasValidateOutbound() throws Exception {
    // dataplane_validator_test.go: "dataplane with backend ref for MeshService" / "... with
    // labels" are accepted and stored with the reference; "dataplane with empty backend ref" and
    // "backend ref clashes with tags or service and missing port" are refused, every problem named.
    DataplaneResource dp =
        dataplane(
            """
            outbound:
              - {port: 3333, backendRef: {kind: MeshService, name: xyz, port: 80}}
              - {port: 3334, backendRef: {kind: MeshService, labels: {app: redis}, port: 8080}}
            """);
    assertThat(dp.getOutbound().get(0).getBackendRef().getName()).isEqualTo("xyz");
    assertThat(dp.getOutbound().get(0).getBackendRef().getPort()).isEqualTo(80);
    assertThat(dp.getOutbound().get(0).getTags()).isEmpty();
    assertThat(dp.getOutbound().get(1).getBackendRef().getLabels()).containsEntry("app", "redis");
    assertThat(
            dataplaneViolations(
                """
                outbound:
                  - {port: 3333, backendRef: {}}
                  - port: 3334
                    tags: {kuma.io/service: xyz}
                    backendRef: {kind: MeshService, name: xyz}
                  - {port: 3335, backendRef: {kind: MeshExternalService, name: httpbin}}
                """))
        .containsExactlyInAnyOrder(
            "networking.outbound[0].backendRef.kind: invalid value. Available values are:"
                + " MeshExternalService,MeshMultiZoneService,MeshService",
            "networking.outbound[0].backendRef: either 'name' or 'labels' should be specified",
            "networking.outbound[0].backendRef.port: port must be in the range from 1 to 65535",
            "networking.outbound[1].backendRef: both backendRef and tags/service cannot be defined",
            "networking.outbound[1].backendRef.port: port must be in the range from 1 to 65535",
            "networking.outbound[2].backendRef.kind: not supported by Chronomesh yet: kind"
                + " MeshExternalService (it needs a zone egress)");
  }

  private static DataplaneResource dataplane(String outbounds) throws ValidationException {
    String yaml =
        """
        type: Dataplane
        name: web-1
        mesh: default
        networking:
          address: 10.0.0.1
          inbound:
            - {port: 8080, tags: {kuma.io/service: web}}
        """
            + outbounds.indent(2);
    return (DataplaneResource)
        ResourceType.DATAPLANE.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
  }

  private static List<String> dataplaneViolations(String outbounds) {
    ValidationException e =
        catchThrowableOfType(ValidationException.class, () -> dataplane(outbounds));
    assertThat(e).as("refused").isNotNull();
    return e.violations().stream().map(v -> v.field() + ": " + v.reason()).toList();
  }

  private static PolicyResource parse(String yaml) throws ValidationException {
    return (PolicyResource)
        ResourceType.MESH_SERVICE.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
  }

  private static List<String> violations(String yaml) {
    ValidationException e = catchThrowableOfType(ValidationException.class, () -> parse(yaml));
    assertThat(e).as("refused").isNotNull();
    return e.violations().stream().map(v -> v.field() + ": " + v.reason()).toList();
  }
}
