package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.XdsResource;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyConfigDecoderTest {

  @Test
  void acceptsProxylessSetAsOneSnapshotPerNode() {
    ProxyConfig config = ProxylessConfigs.proxyConfig("default", "web-1", 8080);

    var decoded = ProxyConfigDecoder.decode("default.web-1", config);

    assertThat(decoded).isInstanceOf(ProxyConfigDecoder.Accepted.class);
    var accepted = (ProxyConfigDecoder.Accepted) decoded;
    assertThat(accepted.nodeId()).isEqualTo("default.web-1");
    assertThat(accepted.warnings()).isEmpty();
    Snapshot snapshot = accepted.snapshot();
    assertThat(snapshot.listeners().resources()).containsOnlyKeys("backend");
    assertThat(snapshot.routes().resources()).containsOnlyKeys("backend");
    assertThat(snapshot.clusters().resources()).containsOnlyKeys("backend");
    assertThat(snapshot.endpoints().resources()).containsOnlyKeys("backend");
    assertThat(snapshot.version(Resources.ResourceType.CLUSTER)).isEqualTo(config.getVersion());
    assertThat(snapshot.endpoints().resources().get("backend"))
        .isEqualTo(ProxylessConfigs.endpoints(8080));
  }

  @Test
  void versionsEachResourceByItsBytes() {
    var same1 =
        (ProxyConfigDecoder.Accepted)
            ProxyConfigDecoder.decode(
                "default.web-1", ProxylessConfigs.proxyConfig("default", "web-1", 8080));
    var same2 =
        (ProxyConfigDecoder.Accepted)
            ProxyConfigDecoder.decode(
                "default.web-1", ProxylessConfigs.proxyConfig("default", "web-1", 8080));
    var moved =
        (ProxyConfigDecoder.Accepted)
            ProxyConfigDecoder.decode(
                "default.web-1", ProxylessConfigs.proxyConfig("default", "web-1", 9090));

    String cds = Resources.V3.CLUSTER_TYPE_URL;
    String eds = Resources.V3.ENDPOINT_TYPE_URL;
    assertThat(same1.resourceVersion(cds, "backend"))
        .isNotBlank()
        .isEqualTo(same2.resourceVersion(cds, "backend"))
        .isEqualTo(moved.resourceVersion(cds, "backend"));
    assertThat(same1.resourceVersion(eds, "backend"))
        .isEqualTo(same2.resourceVersion(eds, "backend"))
        .isNotEqualTo(moved.resourceVersion(eds, "backend"));
    assertThat(same1.resourceVersion(cds, "absent")).isNull();
    // The digest is murmur3 of the bytes: gateways of other builds give a resource the same
    // version, so a delta client moving between them is not sent what it has.
    assertThat(same1.resourceVersion(cds, "backend"))
        .isEqualTo(
            Long.toHexString(
                com.google.common.hash.Hashing.murmur3_128()
                    .hashBytes(ProxylessConfigs.cluster().toByteArray())
                    .asLong()));
  }

  @Test
  void rejectsKeyThatDoesNotMatchMeshAndProxy() {
    ProxyConfig config = ProxylessConfigs.proxyConfig("default", "web-1", 8080);

    var decoded = ProxyConfigDecoder.decode("default.web-2", config);

    assertThat(decoded)
        .isEqualTo(
            new ProxyConfigDecoder.Rejected(
                List.of(
                    "key: 'default.web-2' does not match mesh.proxy of the value"
                        + " 'default.web-1'")));
  }

  @Test
  void rejectsRecordNamingEveryBadResourceWithItsPath() {
    List<XdsResource> resources = new ArrayList<>(ProxylessConfigs.resources(8080));
    resources.add(
        ProxylessConfigs.resource(
            Resources.V3.CLUSTER_TYPE_URL,
            "garbage",
            "\u00ff\u00ff\u00ff not protobuf".getBytes(StandardCharsets.ISO_8859_1)));
    resources.add(
        ProxylessConfigs.resource(
            Resources.V3.CLUSTER_TYPE_URL,
            "other",
            Cluster.newBuilder().setName("not-other").build()));
    resources.add(
        ProxylessConfigs.resource(
            Resources.V3.CLUSTER_TYPE_URL, "backend", ProxylessConfigs.cluster()));
    ProxyConfig config =
        ProxyConfig.newBuilder(ProxylessConfigs.proxyConfig("default", "web-1", resources))
            .setVersion(" ")
            .build();

    var decoded = ProxyConfigDecoder.decode("default.web-1", config);

    assertThat(decoded).isInstanceOf(ProxyConfigDecoder.Rejected.class);
    List<String> violations = ((ProxyConfigDecoder.Rejected) decoded).violations();
    assertThat(violations).hasSize(4);
    assertThat(violations.get(0)).isEqualTo("version: must not be blank");
    assertThat(violations)
        .anySatisfy(v -> assertThat(v).matches("resources\\[\\d]\\.value: not a serialized .*"))
        .anySatisfy(
            v ->
                assertThat(v)
                    .matches(
                        "resources\\[\\d]\\.name: 'other' differs from the name in the message"
                            + " 'not-other'"))
        .anySatisfy(v -> assertThat(v).matches("resources\\[\\d]: duplicate resource .*'backend'"));
  }

  @Test
  void skipsResourceOfUnknownTypeWithAWarning() {
    List<XdsResource> resources = new ArrayList<>(ProxylessConfigs.resources(8080));
    resources.add(
        ProxylessConfigs.resource(
            "type.googleapis.com/envoy.config.example.v9.Future", "f", new byte[] {1, 2}));
    ProxyConfig config = ProxylessConfigs.proxyConfig("default", "web-1", resources);

    var decoded = ProxyConfigDecoder.decode("default.web-1", config);

    assertThat(decoded).isInstanceOf(ProxyConfigDecoder.Accepted.class);
    var accepted = (ProxyConfigDecoder.Accepted) decoded;
    assertThat(accepted.warnings())
        .singleElement()
        .asString()
        .contains("unknown type 'type.googleapis.com/envoy.config.example.v9.Future'");
    assertThat(accepted.snapshot().clusters().resources()).containsOnlyKeys("backend");
    assertThat(accepted.resourceVersion("type.googleapis.com/envoy.config.example.v9.Future", "f"))
        .isNull();
  }

  @Test
  void recognisesNodeIds() {
    assertThat(ProxyConfigDecoder.isNodeId("default.web-1")).isTrue();
    assertThat(ProxyConfigDecoder.isNodeId("default.web-1.zone")).isTrue();
    assertThat(ProxyConfigDecoder.isNodeId("default")).isFalse();
    assertThat(ProxyConfigDecoder.isNodeId(".web")).isFalse();
    assertThat(ProxyConfigDecoder.isNodeId("default.")).isFalse();
    assertThat(ProxyConfigDecoder.isNodeId(" default.web")).isFalse();
    assertThat(ProxyConfigFeed.nodeId(new byte[] {(byte) 0xc3, (byte) 0x28})).isNull();
    assertThat(ProxyConfigFeed.nodeId("default.web-1".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("default.web-1");
  }
}
