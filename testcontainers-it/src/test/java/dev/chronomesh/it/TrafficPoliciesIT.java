package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chronomesh.launcher.ChronomeshStack;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic policies as a real proxyless gRPC client (grpc-xds) lives them: a MeshHTTPRoute split, a
 * MeshTimeout, a MeshRetry and a MeshFaultInjection applied over REST reach the client through
 * Kafka, the projector and the xDS gateway, and change where and how its calls go. Each test uses
 * services of its own in one mesh; the client is the proxyless dataplane web-1.
 */
class TrafficPoliciesIT {
  @TempDir static Path dataDir;

  static ChronomeshStack stack;
  static Rest rest;

  /** web-1's dataplane token: the stack requires one, as {@code up} does. */
  static Path webToken;

  @BeforeAll
  static void startStack() throws Exception {
    stack = LoopbackStack.start(dataDir);
    rest = new Rest(stack.apiUrl(), stack.adminToken());
    // Without Kuma's default policies (a 5-retry MeshRetry among them): each test here sets the
    // policy it measures and compares with the behaviour without it.
    created(
        rest.putYaml(
            "/meshes/default", "type: Mesh\nname: default\nskipCreatingInitialPolicies: ['*']\n"));
    created(
        rest.putYaml(
            "/meshes/default/dataplanes/web-1",
            """
            type: Dataplane
            mesh: default
            name: web-1
            labels:
              chronomesh.io/proxy-type: proxyless
            networking:
              address: 127.0.0.1
              inbound:
                - port: 20000
                  tags:
                    kuma.io/service: web
            """));
    webToken = XdsClients.dataplaneTokenFile(rest, "default", "web-1", "web", dataDir);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void meshHttpRouteSplitsCallsEightyTwenty() throws Exception {
    try (WhoAmIServer v1 = new WhoAmIServer("split-v1");
        WhoAmIServer v2 = new WhoAmIServer("split-v2")) {
      register(v1, "split", "version: v1");
      register(v2, "split", "version: v2");
      ManagedChannel channel =
          XdsClients.channel(stack.xdsAddress(), "default.web-1", "split", webToken);
      try {
        await("the client reaches the split service")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).startsWith("split-"));

        // First everything to v2, so that the first v1 answer after the 80/20 route proves the
        // client has that route: only then is the split measured.
        applied(rest.putYaml("/meshes/default/meshhttproutes/split", route(0, 100)));
        await("every call goes to v2")
            .atMost(Duration.ofSeconds(60))
            .until(() -> calls(channel, 20).getOrDefault("split-v1", 0) == 0);
        applied(rest.putYaml("/meshes/default/meshhttproutes/split", route(80, 20)));
        await("v1 is back")
            .atMost(Duration.ofSeconds(60))
            .until(() -> calls(channel, 5).containsKey("split-v1"));

        Map<String, Integer> counts = calls(channel, 1000);
        System.out.println("MeshHTTPRoute 80/20 over 1000 calls: " + counts);

        // Binomial(1000, 0.8) has a standard deviation of 12.6 calls: +-50 is four of them.
        assertThat(counts.getOrDefault("split-v1", 0)).isBetween(750, 850);
        assertThat(counts.getOrDefault("split-v2", 0)).isBetween(150, 250);
      } finally {
        XdsClients.close(channel);
      }
    }
  }

  @Test
  void meshTimeoutShorterThanASlowBackendFailsTheCallWithDeadlineExceeded() throws Exception {
    try (WhoAmIServer slow = WhoAmIServer.slow("slow-1", Duration.ofMillis(1500))) {
      register(slow, "slow", "");
      ManagedChannel channel =
          XdsClients.channel(stack.xdsAddress(), "default.web-1", "slow", webToken);
      try {
        await("a call to the slow backend succeeds within the client's own 5 s deadline")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).equals("slow-1"));

        applied(
            rest.putYaml(
                "/meshes/default/meshtimeouts/slow",
                """
                type: MeshTimeout
                mesh: default
                name: slow
                spec:
                  targetRef:
                    kind: Mesh
                  to:
                    - targetRef:
                        kind: MeshService
                        name: slow
                      default:
                        http:
                          requestTimeout: 300ms
                """));

        await("the MeshTimeout cuts calls short")
            .atMost(Duration.ofSeconds(60))
            .until(() -> status(channel) == Status.Code.DEADLINE_EXCEEDED);
        long start = System.nanoTime();
        assertThatThrownBy(() -> XdsClients.who(channel))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // Cut by the policy's 300 ms, not by the backend's 1.5 s or the client's own 5 s.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1400));
      } finally {
        XdsClients.close(channel);
      }
    }
  }

  @Test
  void meshRetryMakesAFlakyBackendsCallsSucceed() throws Exception {
    // Two failures (UNAVAILABLE) before every success.
    try (WhoAmIServer flaky = WhoAmIServer.flaky("flaky-1", 2)) {
      register(flaky, "flaky", "");
      ManagedChannel channel =
          XdsClients.channel(stack.xdsAddress(), "default.web-1", "flaky", webToken);
      try {
        await("the client reaches the flaky backend")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).equals("flaky-1"));
        // Without a retry policy, two calls out of three fail.
        Map<Status.Code, Integer> before = new HashMap<>();
        for (int i = 0; i < 30; i++) {
          before.merge(status(channel), 1, Integer::sum);
        }
        assertThat(before.getOrDefault(Status.Code.UNAVAILABLE, 0)).isGreaterThanOrEqualTo(15);

        applied(
            rest.putYaml(
                "/meshes/default/meshretries/flaky",
                """
                type: MeshRetry
                mesh: default
                name: flaky
                spec:
                  targetRef:
                    kind: Mesh
                  to:
                    - targetRef:
                        kind: MeshService
                        name: flaky
                      default:
                        grpc:
                          numRetries: 3
                          backOff:
                            baseInterval: 10ms
                            maxInterval: 50ms
                          retryOn:
                            - Unavailable
                """));

        await("ten calls in a row succeed")
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  for (int i = 0; i < 10; i++) {
                    if (status(channel) != Status.Code.OK) {
                      return false;
                    }
                  }
                  return true;
                });
        int attemptsBefore = flaky.calls();
        for (int i = 0; i < 100; i++) {
          assertThat(status(channel)).as("call %d", i).isEqualTo(Status.Code.OK);
        }
        // Each call took three attempts: the retries did the work, not luck.
        assertThat(flaky.calls() - attemptsBefore).isEqualTo(300);
      } finally {
        XdsClients.close(channel);
      }
    }
  }

  @Test
  void meshFaultInjectionAbortsAndDelaysTheConfiguredShareOfCalls() throws Exception {
    try (WhoAmIServer faulty = new WhoAmIServer("faulty-1")) {
      register(faulty, "faulty", "");
      ManagedChannel channel =
          XdsClients.channel(stack.xdsAddress(), "default.web-1", "faulty", webToken);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        await("the client reaches the faulty backend")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> XdsClients.who(channel).equals("faulty-1"));

        // The destination's faults, from every caller; grpc-xds applies them on its own side.
        applied(
            rest.putYaml(
                "/meshes/default/meshfaultinjections/faulty",
                """
                type: MeshFaultInjection
                mesh: default
                name: faulty
                spec:
                  targetRef:
                    kind: MeshService
                    name: faulty
                  from:
                    - targetRef:
                        kind: Mesh
                      default:
                        http:
                          - abort:
                              httpStatus: 503
                              percentage: 50
                            delay:
                              value: 200ms
                              percentage: "50.0"
                """));
        await("the first call is aborted")
            .atMost(Duration.ofSeconds(60))
            .until(() -> status(channel) == Status.Code.UNAVAILABLE);

        List<Future<long[]>> results = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          results.add(
              pool.submit(
                  () -> {
                    long start = System.nanoTime();
                    Status.Code code = status(channel);
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    return new long[] {code == Status.Code.UNAVAILABLE ? 1 : 0, millis};
                  }));
        }
        int aborted = 0;
        int delayed = 0;
        for (Future<long[]> r : results) {
          long[] outcome = r.get(60, TimeUnit.SECONDS);
          aborted += (int) outcome[0];
          delayed += outcome[1] >= 190 ? 1 : 0;
        }
        System.out.println(
            "MeshFaultInjection 50% abort, 50% delay over 400 calls: aborted="
                + aborted
                + " delayed="
                + delayed);
        // Binomial(400, 0.5) has a standard deviation of 10 calls: +-40 (10 points) is four.
        assertThat(aborted).isBetween(160, 240);
        assertThat(delayed).isBetween(160, 240);
      } finally {
        pool.shutdownNow();
        XdsClients.close(channel);
      }
    }
  }

  /** The status of one call with a 5 s deadline. */
  private static Status.Code status(ManagedChannel channel) {
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          WhoAmIServer.WHO,
          io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
          "?");
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static Map<String, Integer> calls(ManagedChannel channel, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(XdsClients.who(channel), 1, Integer::sum);
    }
    return counts;
  }

  private static String route(int v1, int v2) {
    return """
        type: MeshHTTPRoute
        mesh: default
        name: split
        spec:
          targetRef:
            kind: Mesh
          to:
            - targetRef:
                kind: MeshService
                name: split
              rules:
                - matches:
                    - path:
                        type: PathPrefix
                        value: /
                  default:
                    backendRefs:
                      - kind: MeshServiceSubset
                        name: split
                        tags:
                          version: v1
                        weight: %d
                      - kind: MeshServiceSubset
                        name: split
                        tags:
                          version: v2
                        weight: %d
        """
        .formatted(v1, v2);
  }

  private static void register(WhoAmIServer server, String service, String extraTag) {
    created(
        rest.putYaml(
            "/meshes/default/dataplanes/" + server.name(),
            """
            type: Dataplane
            mesh: default
            name: %s
            networking:
              address: 127.0.0.1
              inbound:
                - port: %d
                  tags:
                    kuma.io/service: %s
                    kuma.io/protocol: grpc
                    %s
            """
                .formatted(server.name(), server.port(), service, extraTag)));
  }

  private static void created(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }

  private static void applied(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }
}
