package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static dev.chronomesh.projector.generate.Fixtures.withHealth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.ClusterEndpoints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.ProxyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out in a mesh of 1,000 sidecars and 100 services (10 instances each; every proxy calls
 * the next three services): what one change writes, counted in the output topics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FanOutTest {
  static final int SERVICES = 100;
  static final int INSTANCES = 10;

  @TempDir static Path stateDir;
  ProjectorHarness p;

  @BeforeAll
  void buildMesh() {
    p = new ProjectorHarness(stateDir);
    p.pipe(upserted(1, mesh("default")));
    for (int s = 0; s < SERVICES; s++) {
      for (int i = 0; i < INSTANCES; i++) {
        p.pipe(upserted(1, instance(s, i, inbound(service(s), 8080))));
      }
    }
    p.idle();
    assertThat(p.latestConfigs()).hasSize(SERVICES * INSTANCES);
    assertThat(p.endpoints()).hasSize(SERVICES);
  }

  @AfterAll
  void close() {
    p.close();
  }

  @BeforeEach
  void drain() {
    p.configs();
    p.endpoints();
    p.later(Duration.ofSeconds(1));
  }

  static String service(int s) {
    return "svc-" + s;
  }

  static DataplaneResource instance(int s, int i, Inbound inbound) {
    DataplaneResource dp =
        dataplane("default", service(s) + "-" + i, "10.0." + s + "." + (i + 1), inbound);
    dp.setOutbound(
        List.of(
            ProjectorTopologyTest.outbound(service((s + 1) % SERVICES), 10001),
            ProjectorTopologyTest.outbound(service((s + 2) % SERVICES), 10002),
            ProjectorTopologyTest.outbound(service((s + 3) % SERVICES), 10003)));
    return dp;
  }

  @Test
  void anEndpointGoingAwayWritesOneEndpointSetAndNoProxyConfig() throws Exception {
    p.pipe(upserted(2, instance(7, 3, withHealth(inbound(service(7), 8080), false))));
    p.idle();

    assertThat(p.configs()).isEmpty();
    List<KeyValue<String, ClusterEndpoints>> endpoints = p.endpoints();
    assertThat(endpoints).extracting(kv -> kv.key).containsExactly("default/svc-7");
    assertThat(ProjectorTopologyTest.addresses(endpoints.get(0).value))
        .hasSize(INSTANCES - 1)
        .doesNotContain("10.0.7.4:8080");

    // And back.
    p.later(Duration.ofSeconds(1));
    p.pipe(upserted(3, instance(7, 3, inbound(service(7), 8080))));
    p.idle();
    assertThat(p.configs()).isEmpty();
    assertThat(p.endpoints()).hasSize(1);
  }

  @Test
  void aDataplaneLeavingWritesItsTombstoneAndOneEndpointSet() {
    p.pipe(deleted("default", "Dataplane", "svc-42-9", 2));
    p.idle();

    List<KeyValue<String, ProxyConfig>> configs = p.configs();
    assertThat(configs).extracting(kv -> kv.key).containsExactly("default.svc-42-9");
    assertThat(configs.get(0).value).isNull();
    assertThat(p.endpoints()).extracting(kv -> kv.key).containsExactly("default/svc-42");
  }

  @Test
  void aBurstOfPolicyEditsRegeneratesEachSelectedProxyAtMostOncePerWindow() throws Exception {
    List<Long> offsets = new java.util.ArrayList<>();
    java.util.Set<Long> windows = new java.util.TreeSet<>();
    for (int edit = 1; edit <= 100; edit++) {
      windows.add(p.now().toEpochMilli() / ProjectorHarness.WINDOW.toMillis());
      offsets.add(p.pipe(policy("MeshTimeout", "svc-5-timeouts", edit, timeoutOn("svc-5", edit))));
      p.later(Duration.ofMillis(1));
    }
    p.idle();

    List<KeyValue<String, ProxyConfig>> configs = p.configs();
    java.util.Map<String, Long> perProxy =
        configs.stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    kv -> kv.key, java.util.stream.Collectors.counting()));
    // The policy selects the ten instances of svc-5 and nobody else.
    assertThat(perProxy.keySet())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, INSTANCES)
                .mapToObj(i -> "default.svc-5-" + i)
                .toList());
    // 100 edits over 100 ms of event time touch 4 or 5 windows of 25 ms: one record per window.
    assertThat(windows).hasSizeBetween(4, 5);
    assertThat(perProxy.values()).allSatisfy(n -> assertThat(n).isEqualTo((long) windows.size()));
    // Each record names the edits of its window; the last one ends with the last edit.
    KeyValue<String, ProxyConfig> last = configs.get(configs.size() - 1);
    assertThat(last.value.getCauses().get(last.value.getCauses().size() - 1).getOffset())
        .isEqualTo(offsets.get(99));
    assertThat(
            configs.stream()
                .filter(kv -> kv.key.equals("default.svc-5-0"))
                .mapToInt(kv -> kv.value.getCauses().size())
                .sum())
        .isEqualTo(100);
    assertThat(p.endpoints()).isEmpty();
  }

  @Test
  void aPolicyOnlyForOneServicesCallersDirtiesOnlyTheProxiesThatCallIt() throws Exception {
    // Mesh-wide targetRef, one `to: MeshService svc-50` entry: only the outbounds to svc-50
    // change, so only svc-47..49's instances are regenerated (not all 1,000 selected proxies).
    p.pipe(
        policy(
            "MeshTimeout",
            "to-svc-50",
            1,
            """
            type: MeshTimeout
            mesh: default
            name: to-svc-50
            spec:
              targetRef: {kind: Mesh}
              to:
                - targetRef: {kind: MeshService, name: svc-50}
                  default:
                    connectionTimeout: 7s
            """));
    java.util.List<String> dirty = new java.util.ArrayList<>();
    try (var all = p.<String>store(ProjectorTopology.DIRTY_STORE).all()) {
      all.forEachRemaining(kv -> dirty.add(kv.key));
    }
    java.util.List<String> callers =
        java.util.stream.IntStream.rangeClosed(47, 49)
            .boxed()
            .flatMap(
                s ->
                    java.util.stream.IntStream.range(0, INSTANCES)
                        .mapToObj(i -> "default/svc-" + s + "-" + i))
            .toList();
    assertThat(dirty).containsExactlyInAnyOrderElementsOf(callers);
    p.idle();
    assertThat(p.configs())
        .extracting(kv -> kv.key)
        .containsExactlyInAnyOrderElementsOf(
            callers.stream().map(k -> k.replace('/', '.')).toList());
  }

  @Test
  void anIdleFlushOfAMeshWideChangeCommitsInParts() throws Exception {
    String everyone =
        """
        type: MeshTimeout
        mesh: default
        name: everyone
        spec:
          targetRef: {kind: Mesh}
          to:
            - targetRef: {kind: Mesh}
              default:
                connectionTimeout: 9s
        """;
    p.pipe(policy("MeshTimeout", "everyone", 1, everyone));
    assertThat(p.dirtyCount()).isEqualTo(SERVICES * INSTANCES);

    // Each idle check regenerates one part and commits it; the next check takes the next part.
    Duration check = ProjectorHarness.WINDOW.dividedBy(MeshProjector.IDLE_CHECKS_PER_WINDOW);
    p.wallClockPasses(ProjectorHarness.WINDOW);
    List<Integer> dirtyAfterEachCheck = new java.util.ArrayList<>(List.of(p.dirtyCount()));
    List<Integer> emittedPerCheck = new java.util.ArrayList<>(List.of(p.configs().size()));
    while (p.dirtyCount() > 0 && dirtyAfterEachCheck.size() < 20) {
      p.wallClockPasses(check);
      dirtyAfterEachCheck.add(p.dirtyCount());
      emittedPerCheck.add(p.configs().size());
    }
    assertThat(dirtyAfterEachCheck).containsExactly(800, 600, 400, 200, 0);
    assertThat(emittedPerCheck)
        .allSatisfy(n -> assertThat(n).isBetween(1, MeshProjector.IDLE_FLUSH_CHUNK));

    // Leave the mesh as the other tests expect it.
    p.pipe(
        dev.chronomesh.events.avro.ResourceEvent.newBuilder(
                policy("MeshTimeout", "everyone", 2, everyone))
            .setKind(dev.chronomesh.events.avro.EventKind.DELETED)
            .setPayload(null)
            .build());
    p.idle();
    assertThat(p.dirtyCount()).isZero();
  }

  private static String timeoutOn(String service, int seconds) {
    return """
        type: MeshTimeout
        mesh: default
        name: %s-timeouts
        spec:
          targetRef:
            kind: MeshService
            name: %s
          to:
            - targetRef:
                kind: Mesh
              default:
                connectionTimeout: %ds
        """
        .formatted(service, service, seconds);
  }

  /** An UPSERTED event of a policy given as Kuma YAML. */
  static dev.chronomesh.events.avro.ResourceEvent policy(
      String type, String name, long revision, String yaml) throws Exception {
    var document =
        new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(yaml);
    var violations = new dev.chronomesh.meshmodel.Violations();
    var payload =
        dev.chronomesh.meshmodel.policy.PolicyResources.read(
            dev.chronomesh.meshmodel.policy.Policies.byName(type).orElseThrow(),
            document,
            name,
            "default",
            java.util.Map.of(),
            violations);
    assertThat(violations.list()).isEmpty();
    return dev.chronomesh.events.avro.ResourceEvent.newBuilder()
        .setEventId("default/" + type + "/" + name + "@" + revision)
        .setMesh("default")
        .setResourceType(type)
        .setName(name)
        .setRevision(revision)
        .setOccurredAt(ProjectorHarness.START)
        .setActor("test")
        .setRequestId("r-" + revision)
        .setKind(dev.chronomesh.events.avro.EventKind.UPSERTED)
        .setPayload(payload)
        .build();
  }

  @Test
  void aNewServiceReachesOnlyItsCallers() {
    // svc-100 is new; its callers are whoever has it as an outbound: nobody yet.
    DataplaneResource fresh = dataplane("default", "svc-100-0", "10.1.0.1", inbound("svc-100", 80));
    p.pipe(upserted(1, fresh));
    p.idle();
    assertThat(p.configs()).extracting(kv -> kv.key).containsExactly("default.svc-100-0");
    // Nobody uses cluster svc-100 yet, so no endpoint set is written for it.
    assertThat(p.endpoints()).isEmpty();
  }
}
