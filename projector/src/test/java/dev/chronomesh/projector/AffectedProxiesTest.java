package dev.chronomesh.projector;

import static dev.chronomesh.projector.generate.Fixtures.dataplane;
import static dev.chronomesh.projector.generate.Fixtures.deleted;
import static dev.chronomesh.projector.generate.Fixtures.inbound;
import static dev.chronomesh.projector.generate.Fixtures.mesh;
import static dev.chronomesh.projector.generate.Fixtures.upserted;
import static dev.chronomesh.projector.generate.Fixtures.withHealth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventRef;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.MeshDelta;
import dev.chronomesh.meshmodel.ResourceType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AffectedProxies}, the one computation of which proxies and endpoint sets a batch concerns,
 * for each kind of change. The mesh: web-1 calls backend (backend-1, backend-2, HTTP), the backends
 * call db (db-1, TCP), client-1 is a proxyless client (it reads every service), db-1 reads nothing.
 */
class AffectedProxiesTest {
  private final FanOutIndex index = new FanOutIndex();
  private IndexedMesh image = IndexedMesh.empty("default");
  private long offset;

  @BeforeEach
  void buildMesh() throws Exception {
    apply(
        upserted(1, mesh("default")),
        upserted(1, caller("web-1", "web", "backend")),
        upserted(1, caller("backend-1", "backend", "db")),
        upserted(1, caller("backend-2", "backend", "db")),
        upserted(1, dataplane("default", "db-1", "10.0.0.5", tcp("db"))),
        upserted(1, proxyless("client-1")));
    reads("web-1", "backend");
    reads("backend-1", "db");
    reads("backend-2", "db");
    reads("db-1");
    index.put("default", "client-1", new ProxyDeps(true, new TreeSet<>(), new TreeMap<>()));
  }

  @Test
  void aMeshChangeConcernsEveryProxyBeforeAndAfter() {
    // A proxy with a config whose dataplane the image no longer has is still regenerated (removed).
    reads("gone-1", "db");
    assertThat(affected(upserted(2, mesh("default"))))
        .containsExactly("backend-1", "backend-2", "client-1", "db-1", "gone-1", "web-1");
    assertThat(affected(deleted("default", "Mesh", "default", 3)))
        .containsExactly("backend-1", "backend-2", "client-1", "db-1", "gone-1", "web-1");
  }

  @Test
  void aNewInstanceOfAKnownServiceConcernsOnlyItself() throws Exception {
    assertThat(affected(upserted(1, caller("backend-3", "backend", "db"))))
        .containsExactly("backend-3");
  }

  @Test
  void anInstanceTurningUnhealthyConcernsOnlyItselfButRewritesItsServicesEndpoints() {
    DataplaneResource unhealthy = caller("backend-2", "backend", "db");
    unhealthy.setInbound(List.of(withHealth(unhealthy.getInbound().get(0), false)));
    MeshBatch batch = batch(upserted(2, unhealthy));
    assertThat(AffectedProxies.proxies(batch, index)).containsExactly("backend-2");
    assertThat(AffectedProxies.endpointServices(batch)).containsExactly("backend");
  }

  @Test
  void aServiceChangingProtocolConcernsItsReaders() {
    DataplaneResource db = dataplane("default", "db-1", "10.0.0.5", http("db"));
    assertThat(affected(upserted(2, db)))
        .containsExactly("backend-1", "backend-2", "client-1", "db-1");
  }

  @Test
  void aServiceAppearingOrGoingConcernsItsReaders() {
    assertThat(affected(upserted(1, dataplane("default", "cache-1", "10.0.0.7", http("cache")))))
        .as("nobody calls cache but the proxyless client, which reads every service")
        .containsExactly("cache-1", "client-1");
    assertThat(affected(deleted("default", "Dataplane", "db-1", 2)))
        .containsExactly("backend-1", "backend-2", "client-1", "db-1");
  }

  @Test
  void anInstanceMovingBetweenServicesConcernsTheReadersOfBothWhenEitherChanged() {
    // backend-2 becomes the only instance of audit: audit appears; backend keeps an instance.
    MeshBatch batch = batch(upserted(2, caller("backend-2", "audit", "db")));
    assertThat(AffectedProxies.proxies(batch, index)).containsExactly("backend-2", "client-1");
    assertThat(AffectedProxies.endpointServices(batch)).containsExactly("audit", "backend");
  }

  @Test
  void withACallerSidePolicyAnInstanceChangeConcernsTheReadersOfItsServices() throws Exception {
    apply(FanOutTest.policy("MeshFaultInjection", "faults", 1, faults("backend")));
    // Healthy again and labelled otherwise: no signature change, yet its callers decide anew
    // whether the policy selects the whole service.
    DataplaneResource relabelled = caller("backend-2", "backend", "db");
    relabelled.setLabels(Map.of("app", "other"));
    assertThat(affected(upserted(2, relabelled))).containsExactly("backend-2", "client-1", "web-1");
  }

  @Test
  void aMeshIdentityOrMeshTrustConcernsEveryProxyThenInstancesConcernTheirCallers()
      throws Exception {
    // Their trust domains are in every mTLS inbound, an identity's SPIFFE IDs in its callers'.
    var identity =
        ResourceType.MESH_IDENTITY.parse(
            """
            type: MeshIdentity
            mesh: default
            name: backends
            spec:
              selector: {dataplane: {matchLabels: {app: backend}}}
              provider:
                type: Bundled
                bundled: {autogenerate: {enabled: true}, insecureAllowSelfSigned: true}
            """
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            dev.chronomesh.meshmodel.Format.YAML,
            null,
            null);
    assertThat(affected(upserted(1, identity)))
        .containsExactly("backend-1", "backend-2", "client-1", "db-1", "web-1");
    // Relabelled (its SPIFFE ID may change): its callers verify it anew.
    DataplaneResource relabelled = caller("backend-2", "backend", "db");
    relabelled.setLabels(Map.of("app", "backend", "kuma.io/workload", "b2"));
    assertThat(affected(upserted(2, relabelled))).containsExactly("backend-2", "client-1", "web-1");
  }

  @Test
  void aPolicyConcernsWhatItSelectsBeforeAndAfter() throws Exception {
    assertThat(affected(FanOutTest.policy("MeshTimeout", "t", 1, timeoutOn("backend"))))
        .containsExactly("backend-1", "backend-2");
    assertThat(affected(FanOutTest.policy("MeshTimeout", "t", 2, timeoutOn("db"))))
        .containsExactly("backend-1", "backend-2", "db-1");
    assertThat(affected(deleted("default", "MeshTimeout", "t", 3))).containsExactly("db-1");
  }

  @Test
  void aPolicyOnlyToServicesConcernsOnlyTheSelectedProxiesThatReadThem() throws Exception {
    assertThat(affected(FanOutTest.policy("MeshTimeout", "to-db", 1, toServices("db"))))
        .containsExactly("backend-1", "backend-2", "client-1");
    // Before and after count: a change of target concerns the readers of both.
    assertThat(affected(FanOutTest.policy("MeshTimeout", "to-db", 2, toServices("backend"))))
        .containsExactly("backend-1", "backend-2", "client-1", "web-1");
  }

  @Test
  void aPolicyOnARoutesTrafficConcernsWhatTheRouteSelects() throws Exception {
    apply(
        FanOutTest.policy(
            "MeshHTTPRoute",
            "to-db-v2",
            1,
            """
            type: MeshHTTPRoute
            mesh: default
            name: to-db-v2
            spec:
              targetRef: {kind: MeshService, name: backend}
              to:
                - targetRef: {kind: MeshService, name: db}
                  rules:
                    - matches: [{path: {type: PathPrefix, value: /v2}}]
                      default: {backendRefs: [{kind: MeshService, name: db}]}
            """));
    // A top-level MeshHTTPRoute selects nothing by itself: what the route selects.
    assertThat(
            affected(
                FanOutTest.policy(
                    "MeshTimeout",
                    "v2",
                    1,
                    """
                    type: MeshTimeout
                    mesh: default
                    name: v2
                    spec:
                      targetRef: {kind: MeshHTTPRoute, name: to-db-v2}
                      to:
                        - targetRef: {kind: Mesh}
                          default: {http: {requestTimeout: 5s}}
                    """)))
        .containsExactly("backend-1", "backend-2");
  }

  @Test
  void aCallerSidePolicyAlsoConcernsTheReadersOfWhatItSelects() throws Exception {
    assertThat(affected(FanOutTest.policy("MeshFaultInjection", "faults", 1, faults("backend"))))
        .containsExactly("backend-1", "backend-2", "client-1", "web-1");
  }

  @Test
  void aBatchConcernsTheUnionOfItsChangesEachWithItsFirstAndLastEvent() throws Exception {
    MeshBatch batch =
        batch(
            FanOutTest.policy("MeshTimeout", "t", 1, timeoutOn("db")),
            upserted(1, caller("backend-3", "backend", "db")),
            upserted(2, dataplane("default", "db-1", "10.0.0.5", http("db"))));
    SortedMap<String, List<EventRef>> affected = AffectedProxies.of(batch, index);
    assertThat(affected.keySet())
        .containsExactly("backend-1", "backend-2", "backend-3", "client-1", "db-1");
    assertThat(affected.values())
        .allSatisfy(
            causes ->
                assertThat(causes)
                    .extracting(EventRef::getOffset)
                    .containsExactly(offset - 2, offset));
  }

  @Test
  void aBatchThatDeletesTheMeshRewritesTheEndpointSetsOfEveryServiceItHad() {
    MeshBatch batch =
        batch(
            deleted("default", "Mesh", "default", 2),
            upserted(3, mesh("default")),
            upserted(2, caller("web-1", "web", "backend")));
    assertThat(AffectedProxies.endpointServices(batch))
        .containsExactly("backend", "client", "db", "web");
    assertThat(AffectedProxies.proxies(batch, index))
        .containsExactly("backend-1", "backend-2", "client-1", "db-1", "web-1");
  }

  // --- the mesh and its index ---

  private static DataplaneResource caller(String name, String service, String calls) {
    DataplaneResource dp = dataplane("default", name, "10.0.1." + name.length(), http(service));
    dp.setLabels(Map.of("app", service));
    dp.setOutbound(List.of(ProjectorTopologyTest.outbound(calls, 10001)));
    return dp;
  }

  private static DataplaneResource proxyless(String name) {
    DataplaneResource dp = dataplane("default", name, "10.0.2.1", http("client"));
    dp.setLabels(Map.of("chronomesh.io/proxy-type", "proxyless"));
    return dp;
  }

  private static Inbound http(String service) {
    return inbound(service, 8080, "kuma.io/protocol", "http");
  }

  private static Inbound tcp(String service) {
    return inbound(service, 5432, "kuma.io/protocol", "tcp");
  }

  private void reads(String proxy, String... services) {
    index.put(
        "default", proxy, new ProxyDeps(false, new TreeSet<>(Set.of(services)), new TreeMap<>()));
  }

  /** The events as a batch on the current image, which it advances. */
  private MeshBatch batch(ResourceEvent... events) {
    MeshDelta delta = new MeshDelta(image.state());
    List<EventRef> refs = new ArrayList<>();
    for (ResourceEvent event : events) {
      delta.replay(event);
      refs.add(new EventRef(0, ++offset, Instant.ofEpochMilli(offset)));
    }
    IndexedMesh before = image;
    image = image.next(delta, offset);
    List<EventRef> causes =
        refs.size() == 1 ? refs : List.of(refs.get(0), refs.get(refs.size() - 1));
    return new MeshBatch(delta, before, image, causes);
  }

  private void apply(ResourceEvent... events) {
    for (ResourceEvent event : events) {
      batch(event);
    }
  }

  private SortedSet<String> affected(ResourceEvent event) {
    MeshBatch batch = batch(event);
    SortedMap<String, List<EventRef>> withCauses = AffectedProxies.of(batch, index);
    assertThat(withCauses.values())
        .allSatisfy(causes -> assertThat(causes).isEqualTo(batch.causes()));
    return new TreeSet<>(withCauses.keySet());
  }

  private static String timeoutOn(String service) {
    return """
        type: MeshTimeout
        mesh: default
        name: t
        spec:
          targetRef: {kind: MeshService, name: %s}
          to:
            - targetRef: {kind: Mesh}
              default:
                connectionTimeout: 5s
        """
        .formatted(service);
  }

  private static String toServices(String service) {
    return """
        type: MeshTimeout
        mesh: default
        name: to-db
        spec:
          targetRef: {kind: Mesh}
          to:
            - targetRef: {kind: MeshService, name: %s}
              default:
                connectionTimeout: 7s
        """
        .formatted(service);
  }

  private static String faults(String app) {
    return """
        type: MeshFaultInjection
        mesh: default
        name: faults
        spec:
          targetRef: {kind: Dataplane, labels: {app: %s}}
          from:
            - targetRef: {kind: Mesh}
              default:
                http:
                  - abort: {httpStatus: 503, percentage: 50}
        """
        .formatted(app);
  }
}
