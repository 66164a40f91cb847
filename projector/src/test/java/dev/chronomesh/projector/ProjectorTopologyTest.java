package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static dev.chronomesh.projector.generate.Fixtures.withHealth;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.Outbound;
import dev.chronomesh.events.avro.ProxyConfig;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.avro.XdsResource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectorTopologyTest {
  private static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final String CLA =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  @TempDir Path stateDir;
  private ProjectorHarness p;

  @BeforeEach
  void start() {
    p = new ProjectorHarness(stateDir);
  }

  @AfterEach
  void close() {
    p.close();
  }

  static DataplaneResource backend(String name, String address, Inbound... inbounds) {
    return dataplane(
        "default",
        name,
        address,
        inbounds.length == 0 ? new Inbound[] {inbound("backend", 8080)} : inbounds);
  }

  /** web-1: serves web, calls backend on 127.0.0.1:10001. */
  static DataplaneResource web1() {
    DataplaneResource dp = dataplane("default", "web-1", "10.0.0.3", inbound("web", 8080));
    dp.setOutbound(List.of(outbound("backend", 10001)));
    return dp;
  }

  static Outbound outbound(String service, int port) {
    return Outbound.newBuilder().setPort(port).setTags(Map.of("kuma.io/service", service)).build();
  }

  /** Mesh, backend-1 and web-1 in one window, flushed; returns their offsets. */
  private List<Long> createMeshWithTwoDataplanes() {
    long m = p.pipe(upserted(1, mesh("default")));
    long b = p.pipe(upserted(1, backend("backend-1", "10.0.0.1")));
    long w = p.pipe(upserted(1, web1()));
    p.idle();
    return List.of(m, b, w);
  }

  @Test
  void createsOneConfigPerDataplaneAndOneEndpointSetPerCluster() throws Exception {
    List<Long> offsets = createMeshWithTwoDataplanes();

    Map<String, ProxyConfig> latest = p.latestConfigs();
    assertThat(latest).containsOnlyKeys("default.backend-1", "default.web-1");
    for (var entry : latest.entrySet()) {
      ProxyConfig config = entry.getValue();
      assertThat(entry.getKey()).isEqualTo("default." + config.getProxy());
      assertThat(config.getVersion()).hasSize(64);
      assertThat(config.getResources()).extracting(XdsResource::getTypeUrl).doesNotContain(CLA);
      assertThat(p.<ProxyConfig>store(ProjectorTopology.PROXY_CONFIGS_STORE).get(entry.getKey()))
          .isEqualTo(config);
    }
    // The mesh and the dataplane itself dirtied backend-1; web-1 also by its own event.
    assertThat(latest.get("default.backend-1").getCauses())
        .extracting(EventRef::getOffset)
        .containsExactly(offsets.get(1));
    assertThat(latest.get("default.web-1").getCauses())
        .extracting(EventRef::getOffset)
        .containsExactly(offsets.get(2));
    assertThat(listeners(latest.get("default.web-1"))).contains("outbound:127.0.0.1:10001");

    List<KeyValue<String, ClusterEndpoints>> endpoints = p.endpoints();
    assertThat(endpoints).extracting(kv -> kv.key).containsExactly("default/backend");
    assertThat(addresses(endpoints.get(0).value)).containsExactly("10.0.0.1:8080");
  }

  @Test
  void aConfigsEnvelopeNamesItsFlavourAndTheEndpointSetsItsClustersUse() {
    DataplaneResource client = dataplane("default", "client-1", "10.0.0.4", inbound("client", 80));
    client.setLabels(Map.of(KumaTags.PROXY_TYPE_LABEL, "proxyless"));
    createMeshWithTwoDataplanes();
    p.pipe(upserted(1, client));
    p.idle();

    Map<String, ProxyConfig> latest = p.latestConfigs();
    ProxyConfig sidecar = latest.get("default.web-1");
    assertThat(sidecar.getFlavour()).isEqualTo("sidecar");
    // The endpoints records its EDS clusters read are default/<each name>.
    assertThat(sidecar.getEdsClusters()).containsExactly("backend");
    assertThat(p.endpoints()).extracting(kv -> kv.key).contains("default/backend");
    ProxyConfig proxyless = latest.get("default.client-1");
    assertThat(proxyless.getFlavour()).isEqualTo("proxyless");
    // A proxyless client gets every service of its mesh, sorted.
    assertThat(proxyless.getEdsClusters()).containsExactly("backend", "client", "web");
  }

  @Test
  void nothingIsEmittedBeforeTheWindowCloses() {
    p.pipe(upserted(1, mesh("default")));
    p.pipe(upserted(1, backend("backend-1", "10.0.0.1")));
    assertThat(p.configs()).isEmpty();

    // An event of a later window closes the open one.
    p.later(ProjectorHarness.WINDOW);
    p.pipe(upserted(1, web1()));
    assertThat(p.configs()).extracting(kv -> kv.key).containsExactly("default.backend-1");

    p.idle();
    assertThat(p.configs()).extracting(kv -> kv.key).containsExactly("default.web-1");
  }

  @Test
  void eventsOfOneWindowRegenerateAProxyOnceWithAllTheirCauses() {
    createMeshWithTwoDataplanes();
    p.configs();
    p.later(Duration.ofSeconds(1));

    long a = p.pipe(upserted(2, backend("backend-1", "10.0.0.1", inbound("backend", 8081))));
    long b = p.pipe(upserted(3, backend("backend-1", "10.0.0.1", inbound("backend", 8082))));
    long c = p.pipe(upserted(4, backend("backend-1", "10.0.0.1", inbound("backend", 8083))));
    p.idle();

    List<KeyValue<String, ProxyConfig>> emitted = p.configs();
    assertThat(emitted).extracting(kv -> kv.key).containsExactly("default.backend-1");
    assertThat(emitted.get(0).value.getCauses())
        .extracting(EventRef::getOffset)
        .containsExactly(a, b, c);
    assertThat(listeners(emitted.get(0).value)).contains("inbound:10.0.0.1:8083");
  }

  @Test
  void addingAnEndpointWritesTheEndpointSetAndOnlyTheNewProxysConfig() throws Exception {
    createMeshWithTwoDataplanes();
    p.configs();
    p.endpoints();
    p.later(Duration.ofSeconds(1));

    long offset = p.pipe(upserted(1, backend("backend-2", "10.0.0.2")));
    p.idle();

    assertThat(p.configs()).extracting(kv -> kv.key).containsExactly("default.backend-2");
    List<KeyValue<String, ClusterEndpoints>> endpoints = p.endpoints();
    assertThat(endpoints).extracting(kv -> kv.key).containsExactly("default/backend");
    assertThat(addresses(endpoints.get(0).value)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(endpoints.get(0).value.getCauses())
        .extracting(EventRef::getOffset)
        .containsExactly(offset);
  }

  @Test
  void anEndpointTurningUnhealthyTouchesNoProxyConfig() throws Exception {
    createMeshWithTwoDataplanes();
    p.pipe(upserted(1, backend("backend-2", "10.0.0.2")));
    p.idle();
    p.configs();
    p.endpoints();
    p.later(Duration.ofSeconds(1));

    p.pipe(
        upserted(2, backend("backend-2", "10.0.0.2", withHealth(inbound("backend", 8080), false))));
    p.idle();

    assertThat(p.configs()).isEmpty();
    List<KeyValue<String, ClusterEndpoints>> endpoints = p.endpoints();
    assertThat(endpoints).hasSize(1);
    assertThat(addresses(endpoints.get(0).value)).containsExactly("10.0.0.1:8080");
  }

  @Test
  void aServiceChangingProtocolRegeneratesItsCallers() {
    createMeshWithTwoDataplanes();
    p.configs();
    p.later(Duration.ofSeconds(1));

    p.pipe(
        upserted(
            2,
            backend(
                "backend-1", "10.0.0.1", inbound("backend", 8080, "kuma.io/protocol", "http"))));
    p.idle();

    assertThat(p.configs())
        .extracting(kv -> kv.key)
        .containsExactly("default.backend-1", "default.web-1");
  }

  @Test
  void reapplyingAnIdenticalDataplaneEmitsNothing() {
    createMeshWithTwoDataplanes();
    p.configs();
    p.endpoints();
    p.later(Duration.ofSeconds(1));

    p.pipe(upserted(2, backend("backend-1", "10.0.0.1")));
    p.pipe(upserted(2, mesh("default")));
    p.idle();

    assertThat(p.configs()).isEmpty();
    assertThat(p.endpoints()).isEmpty();
  }

  @Test
  void dataplanesGetNoConfigBeforeTheirMeshExists() {
    p.pipe(upserted(1, backend("backend-1", "10.0.0.1")));
    p.idle();
    assertThat(p.configs()).isEmpty();

    p.pipe(upserted(1, mesh("default")));
    p.idle();

    assertThat(p.latestConfigs()).containsOnlyKeys("default.backend-1");
  }

  @Test
  void deletingTheLastEndpointEmptiesTheSetAndTombstonesTheProxy() throws Exception {
    createMeshWithTwoDataplanes();
    p.configs();
    p.endpoints();
    p.later(Duration.ofSeconds(1));

    p.pipe(deleted("default", "Dataplane", "backend-1", 2));
    p.idle();

    List<KeyValue<String, ProxyConfig>> emitted = p.configs();
    // The service is gone, so its caller's outbound falls back to TCP: web-1 changes too.
    assertThat(emitted).extracting(kv -> kv.key).contains("default.backend-1");
    assertThat(emitted.stream().filter(kv -> kv.key.equals("default.backend-1")).findFirst())
        .hasValueSatisfying(kv -> assertThat(kv.value).isNull());
    List<KeyValue<String, ClusterEndpoints>> endpoints = p.endpoints();
    assertThat(endpoints).extracting(kv -> kv.key).containsExactly("default/backend");
    assertThat(addresses(endpoints.get(0).value)).isEmpty();
  }

  @Test
  void deletingTheMeshTombstonesEveryConfigAndEndpointSetOfIt() {
    createMeshWithTwoDataplanes();
    p.pipe(upserted(1, mesh("other")));
    p.pipe(upserted(1, dataplane("other", "o-1", "10.1.0.1", inbound("o", 1))));
    p.idle();
    p.configs();
    p.endpoints();
    p.later(Duration.ofSeconds(1));

    p.pipe(deleted("default", "Mesh", "default", 2));
    p.idle();

    List<KeyValue<String, ProxyConfig>> emitted = p.configs();
    assertThat(emitted)
        .extracting(kv -> kv.key)
        .containsExactly("default.backend-1", "default.web-1");
    assertThat(emitted).allSatisfy(kv -> assertThat(kv.value).isNull());
    assertThat(p.endpoints())
        .singleElement()
        .satisfies(
            kv -> {
              assertThat(kv.key).isEqualTo("default/backend");
              assertThat(kv.value).isNull();
            });
    assertThat(p.<ProxyConfig>store(ProjectorTopology.PROXY_CONFIGS_STORE).get("other.o-1"))
        .isNotNull();

    // The mesh's resources went with it: re-creating the mesh brings no old dataplane back.
    p.later(Duration.ofSeconds(1));
    p.pipe(upserted(3, mesh("default")));
    p.idle();
    assertThat(p.configs()).isEmpty();
  }

  @Test
  void skipsACorruptRecordAndKeepsProcessing() {
    p.pipe(upserted(1, mesh("default")));
    p.pipeRaw("default", new byte[] {1, 2, 3});
    p.pipeRaw("default", new byte[] {0, 0, 0, 0, 1, (byte) 0xff});
    p.pipe(upserted(1, backend("backend-1", "10.0.0.1")));
    p.idle();

    assertThat(p.latestConfigs()).containsOnlyKeys("default.backend-1");
    // The dead-letter records are produced by Kafka Streams' handler, which the test driver
    // does not capture: ProjectorIT checks them on a real broker.
  }

  @Test
  void skipsAnInvalidEvent() {
    p.pipe(upserted(1, mesh("default")));
    p.idle();
    ResourceEvent payloadMismatch = upserted(1, backend("backend-1", "10.0.0.1"));
    payloadMismatch.setName("backend-9");
    p.pipe(payloadMismatch);
    p.idle();

    assertThat(p.configs()).isEmpty();
    var dead = p.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getValue().getName()).isEqualTo("backend-9");
    assertThat(
            new String(
                dead.get(0).headers().lastHeader("__streams.errors.message").value(),
                java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("payload.name: must be backend-9 but is backend-1");
    assertThat(
            new String(
                dead.get(0).headers().lastHeader("__streams.errors.offset").value(),
                java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("1");
    assertThat(dev.chronomesh.meshmodel.ResourceIdentity.ofEventRecord("other", payloadMismatch))
        .containsExactly(
            "key: must be the mesh default but is other",
            "payload.name: must be backend-9 but is backend-1");
  }

  static List<String> listeners(ProxyConfig config) {
    return config.getResources().stream()
        .filter(r -> r.getTypeUrl().equals(LISTENER))
        .map(XdsResource::getName)
        .toList();
  }

  static List<String> addresses(ClusterEndpoints endpoints) throws InvalidProtocolBufferException {
    ClusterLoadAssignment cla =
        ClusterLoadAssignment.parseFrom(endpoints.getLoadAssignment().duplicate());
    return cla.getEndpointsList().stream()
        .flatMap(l -> l.getLbEndpointsList().stream())
        .map(e -> e.getEndpoint().getAddress().getSocketAddress())
        .map(a -> a.getAddress() + ":" + a.getPortValue())
        .toList();
  }
}
