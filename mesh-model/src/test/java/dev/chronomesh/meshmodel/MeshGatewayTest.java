package dev.chronomesh.meshmodel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.PolicyResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MeshGateway's validation against Kuma v2.14.3's {@code
 * pkg/core/resources/apis/mesh/gateway_validator_test.go} (the documents are its cases; TLS,
 * cross-mesh and connection-limit listeners, which Kuma accepts, are refused as not supported yet),
 * its storage and how a builtin gateway dataplane is bound to one.
 */
class MeshGatewayTest {
  private static final String HEAD =
      """
      type: MeshGateway
      name: gateway
      mesh: default
      """;

  private static final String SELECTORS =
      """
      selectors:
        - match:
            kuma.io/service: gateway
      """;

  static PolicyResource parse(String yaml) throws ValidationException {
    return (PolicyResource)
        ResourceType.MESH_GATEWAY.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
  }

  static List<String> problems(String yaml) {
    ValidationException e = catchThrowableOfType(ValidationException.class, () -> parse(yaml));
    assertThat(e).as("refused").isNotNull();
    return e.violations().stream().map(v -> v.field() + ": " + v.reason()).toList();
  }

  @Test
  void acceptsKumasHttpListenerWithGatewayTagsAndStoresItCanonically() throws Exception {
    // gateway_validator_test.go "HTTPS listener" (its protocol is HTTP).
    PolicyResource stored =
        parse(
            HEAD
                + SELECTORS
                + """
                tags:
                  product: edge
                conf:
                  listeners:
                  - hostname: www-1.example.com
                    port: 443
                    protocol: HTTP
                    tags:
                      name: https
                """);
    MeshGateway gateway = MeshGateway.of(stored);
    assertThat(gateway.name()).isEqualTo("gateway");
    assertThat(gateway.selectors()).containsExactly(Map.of("kuma.io/service", "gateway"));
    assertThat(gateway.listeners())
        .containsExactly(
            new MeshGateway.Listener(
                443,
                MeshGateway.Protocol.HTTP,
                "www-1.example.com",
                Map.of("product", "edge", "name", "https")));
    assertThat(ResourceType.of(stored)).contains(ResourceType.MESH_GATEWAY);
    var rendered = ResourceType.MESH_GATEWAY.render(stored, null, null);
    assertThat(rendered.path("conf").path("listeners").get(0).path("hostname").asText())
        .isEqualTo("www-1.example.com");
    assertThat(rendered.path("selectors").get(0).path("match").path("kuma.io/service").asText())
        .isEqualTo("gateway");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          no selectors | selectors: [] | 'conf: {listeners: [{port: 80, protocol: HTTP}]}' | selectors: must have at least one element
          service tag on the gateway | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'tags: {kuma.io/service: gw}\nconf: {listeners: [{port: 80, protocol: HTTP}]}' | tags["kuma.io/service"]: tag name must not be "kuma.io/service"
          no conf | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf:' | conf: cannot be empty
          no port | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{protocol: HTTP}]}' | conf.listeners[0].port: port must be in the range [1, 65535]
          no protocol | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 99}]}' | conf.listeners[0].protocol: cannot be empty
          invalid wildcard | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 99, protocol: HTTP, hostname: "*.foo.*.example.com"}]}' | conf.listeners[0].hostname: invalid wildcard domain
          invalid hostname | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 99, protocol: HTTP, hostname: "foo.example$.com"}]}' | conf.listeners[0].hostname: invalid hostname
          HTTPS without tls | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 443, protocol: HTTPS}]}' | conf.listeners[0].tls: cannot be empty
          HTTPS and PASSTHROUGH | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 443, protocol: HTTPS, tls: {mode: PASSTHROUGH}}]}' | conf.listeners[0].tls.mode: mode is not supported on HTTPS listeners
          TERMINATE without certificates | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 443, protocol: HTTPS, tls: {mode: TERMINATE}}]}' | conf.listeners[0].tls.certificates: cannot be empty in TLS termination mode
          crossMesh and HTTPS | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 443, protocol: HTTPS, crossMesh: true}]}' | conf.listeners[0].protocol: protocol is not supported with crossMesh
          protocol conflict | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 80, protocol: HTTP}, {port: 80, protocol: TCP, hostname: a.com}]}' | conf.listeners[1]: protocol conflicts with other listeners on this port
          hostname conflict | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 80, protocol: HTTP}, {port: 80, protocol: HTTP}]}' | conf.listeners[0]: multiple listeners for hostname on this port
          selector without service | 'selectors: [{match: {app: gw}}]' | 'conf: {listeners: [{port: 80, protocol: HTTP}]}' | selectors[0].match["kuma.io/service"]: tag has to exist
          reserved listener tag | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 80, protocol: HTTP, tags: {kuma.io/zone: z}}]}' | conf.listeners[0].tags["kuma.io/zone"]: tag name must not be "kuma.io/zone"
          TLS listener | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 443, protocol: TLS, tls: {mode: PASSTHROUGH}}]}' | conf.listeners[0].protocol: not supported by Chronomesh yet: TLS listeners (TLS termination and passthrough)
          cross-mesh listener | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 80, protocol: HTTP, crossMesh: true}]}' | conf.listeners[0].crossMesh: not supported by Chronomesh yet: cross-mesh gateways
          connection limit | 'selectors: [{match: {kuma.io/service: gateway}}]' | 'conf: {listeners: [{port: 80, protocol: HTTP, resources: {connectionLimit: 2}}]}' | conf.listeners[0].resources.connectionLimit: not supported by Chronomesh yet: connection limits of gateway listeners
          """)
  void refusesAsKumaDoesOrAsNotSupportedYet(
      String name, String selectors, String rest, String expected) {
    String doc = HEAD + selectors + "\n" + rest.replace("\\n", "\n") + "\n";
    assertThat(problems(doc)).contains(expected);
  }

  @Test
  void aBuiltinGatewayIsBoundToTheGatewayWithTheMostSpecificMatchingSelector() throws Exception {
    MeshGateway general =
        MeshGateway.of(
            parse(
                HEAD.replace("name: gateway", "name: b-general")
                    + SELECTORS
                    + "conf: {listeners: [{port: 80, protocol: HTTP}]}\n"));
    MeshGateway specific =
        MeshGateway.of(
            parse(
                HEAD.replace("name: gateway", "name: c-specific")
                    + "selectors: [{match: {kuma.io/service: gateway, zone: a}}]\n"
                    + "conf: {listeners: [{port: 80, protocol: HTTP}]}\n"));
    DataplaneResource inA = gatewayDataplane("BUILTIN", "{kuma.io/service: gateway, zone: a}");
    DataplaneResource inB = gatewayDataplane("BUILTIN", "{kuma.io/service: gateway, zone: b}");
    DataplaneResource delegated =
        gatewayDataplane("DELEGATED", "{kuma.io/service: gateway, zone: a}");
    assertThat(MeshGateway.boundTo(inA, List.of(general, specific))).contains(specific);
    assertThat(MeshGateway.boundTo(inB, List.of(general, specific))).contains(general);
    assertThat(MeshGateway.boundTo(delegated, List.of(general, specific))).isEmpty();
  }

  private static DataplaneResource gatewayDataplane(String type, String tags) throws Exception {
    String yaml =
        "type: Dataplane\nmesh: default\nname: gw-1\nnetworking:\n  address: 10.0.0.1\n"
            + "  gateway:\n    type: "
            + type
            + "\n    tags: "
            + tags
            + "\n";
    return (DataplaneResource)
        ResourceType.DATAPLANE.parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
  }
}
