package dev.chronomesh.benchmarks.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.chronomesh.kafka.FreePorts;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The scale harness: builds a mesh through the admin API, connects simulated Envoys to Chronomesh's
 * xDS gateway and then to the conventional baseline control plane, measures the same changes on
 * both, then the write path and the projector's replay, and prints a Markdown table (also written
 * with the JSON to {@code --out}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Chronomesh scale harness (see BENCHMARKS.md).")
public final class Harness implements Callable<Integer> {
  @Option(names = "--services", description = "Services in the mesh (default ${DEFAULT-VALUE}).")
  int services = 50;

  @Option(
      names = "--dataplanes-per-service",
      description = "Dataplanes per service (default ${DEFAULT-VALUE}).")
  int perService = 20;

  @Option(
      names = "--fan-out",
      description = "Outbounds per dataplane, to the next services (default ${DEFAULT-VALUE}).")
  int fanOut = 3;

  @Option(
      names = "--proxies",
      description = "Simulated proxies to connect (default: one per dataplane).")
  Integer proxies;

  @Option(names = "--changes", description = "Changes per scenario (default ${DEFAULT-VALUE}).")
  int changes = 20;

  @Option(
      names = "--warmup-changes",
      description =
          "Changes per scenario made first and not measured, so that the JIT has compiled the"
              + " paths the scenario exercises (default ${DEFAULT-VALUE}; their latencies are in"
              + " the JSON as warmup_last_ack).")
  int warmupChanges = 10;

  @Option(
      names = "--bootstrap-servers",
      description = "An existing Kafka cluster (default: an embedded broker).")
  String bootstrapServers;

  @Option(names = "--replication", description = "Topic replication (default ${DEFAULT-VALUE}).")
  int replication = 1;

  @Option(
      names = "--gateway-arg",
      paramLabel = "ARG",
      description =
          "An extra argument of `chronomesh run xds-gateway` (repeatable), for A/B runs, e.g."
              + " --gateway-arg=--no-kuma-dp-bootstrap.")
  List<String> gatewayArgs = new ArrayList<>();

  @Option(names = "--no-baseline", description = "Skip the baseline control plane.")
  boolean noBaseline;

  @Option(
      names = "--writers",
      description = "Concurrent API writers for write throughput (default ${DEFAULT-VALUE}).")
  int writers = 4;

  @Option(
      names = "--write-seconds",
      description = "Duration of the write throughput phase (default ${DEFAULT-VALUE}).")
  int writeSeconds = 10;

  @Option(
      names = "--control-plane-heap",
      description = "-Xmx of the gateway and baseline JVMs (default ${DEFAULT-VALUE}).")
  String heap = "2g";

  @Option(
      names = "--jfr",
      description =
          "Record a Java Flight Recorder profile of each control-plane JVM (<out>/<plane>.jfr;"
              + " read it with `jfr print` or JDK Mission Control).")
  boolean jfr;

  @Option(
      names = "--out",
      description = "Directory for results.md, results.json and logs (default ${DEFAULT-VALUE}).")
  Path out = Path.of("benchmarks/target/bench");

  @Option(
      names = "--replay-events",
      description =
          "Events the projector replays: the mesh's creation (Mesh and Dataplane events)"
              + " copied as many meshes (default ${DEFAULT-VALUE}).")
  long replayEvents = 10_000;

  @Option(
      names = "--replay-churn",
      description =
          "Endpoint-churn events appended to the replayed history: dataplanes of the last copy"
              + " turning unhealthy and healthy again, 1 ms apart (default ${DEFAULT-VALUE}).")
  long replayChurn = 20_000;

  @Option(
      names = "--replay-commit-interval-ms",
      description =
          "commit.interval.ms of the replaying projector (default: the projector's own, one"
              + " coalescing window).")
  Integer replayCommitIntervalMs;

  @Option(
      names = "--connections",
      description =
          "gRPC connections the simulated proxies share (default ${DEFAULT-VALUE}; one per proxy"
              + " is how real Envoys connect, at the harness's own cost).")
  int connections = Fleet.DEFAULT_CONNECTIONS;

  @Option(
      names = "--connect-timeout",
      description = "Seconds for all proxies to get a full config (default ${DEFAULT-VALUE}).")
  int connectTimeoutSeconds = 300;

  private final Progress progress = new Progress(System.err);

  public static void main(String[] args) {
    // The in-process services log every config at INFO; the harness prints its own progress.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(new CommandLine(new Harness()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    // Stdout carries the table only: what the services print (the admin API's first-start token
    // banner) goes to stderr with the progress.
    PrintStream table = System.out;
    System.setOut(System.err);
    try {
      return run(table);
    } finally {
      System.setOut(table);
    }
  }

  private int run(PrintStream table) throws Exception {
    BenchMesh mesh = new BenchMesh("bench", services, perService, fanOut);
    int p = proxies == null ? mesh.dataplanes() : proxies;
    List<String> problems = new ArrayList<>();
    if (p < 1 || p > mesh.dataplanes()) {
      problems.add("--proxies: 1 to " + mesh.dataplanes() + ", was " + p);
    }
    if (changes < 1) {
      problems.add("--changes: at least 1, was " + changes);
    }
    if (warmupChanges < 0) {
      problems.add("--warmup-changes: at least 0, was " + warmupChanges);
    }
    if (!problems.isEmpty()) {
      throw new CommandLine.ParameterException(new CommandLine(this), String.join("; ", problems));
    }
    Files.createDirectories(out);
    Stack.deleteQuietly(out.resolve("data"));
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("started", Instant.now().toString());
    run.put("machine", Machine.describe());
    run.put(
        "workload",
        Map.of(
            "services", services,
            "dataplanesPerService", perService,
            "fanOut", fanOut,
            "proxies", p,
            "changesPerScenario", changes,
            "warmupChangesPerScenario", warmupChanges,
            "broker", bootstrapServers == null ? "embedded" : bootstrapServers));
    List<Measured> planes = new ArrayList<>();
    Map<String, Object> writePath = new LinkedHashMap<>();
    try (Stack stack = Stack.start(bootstrapServers, replication, out.resolve("data"), progress)) {
      ApiClient api = stack.api();
      buildMesh(api, mesh);
      Map<TopicPartition, Long> builtAt = Replay.endOffsets(stack, stack.topics().events());
      planes.add(measure("chronomesh", 0, stack, mesh, p, this::startGateway));
      stack.stopProjector();
      if (!noBaseline) {
        planes.add(measure("baseline", 1, stack, mesh, p, this::startBaseline));
      }
      writePath.putAll(writeThroughput(api, mesh));
      writePath.putAll(
          Replay.measure(
              stack,
              mesh.mesh(),
              builtAt,
              replayEvents,
              replayChurn,
              replayCommitIntervalMs,
              progress));
    }
    run.put(
        "controlPlanes",
        planes.stream()
            .collect(LinkedHashMap::new, (m, x) -> m.put(x.name, x.figures), Map::putAll));
    run.put("writePath", writePath);
    run.put("finished", Instant.now().toString());
    String markdown = Report.markdown(run, planes, writePath);
    Files.writeString(out.resolve("results.md"), markdown);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("results.json").toFile(), run);
    table.println(markdown);
    progress.status("results in " + out.toAbsolutePath());
    return 0;
  }

  /** Starts a control plane in its own JVM and returns it with its xDS address. */
  interface PlaneStarter {
    Plane start(Stack stack) throws Exception;
  }

  record Plane(ChildJvm jvm, String xdsTarget) {}

  /** The control plane's heap limit, and its flight recording when {@code --jfr} is given. */
  private List<String> jvmOptions(String label) {
    List<String> options = new ArrayList<>(List.of("-Xmx" + heap));
    if (jfr) {
      Path recording = out.toAbsolutePath().resolve(label + ".jfr");
      // A sample every 2 ms of each running thread (the profile settings' 10 ms sees too little of
      // a storm that lasts seconds), and of threads in native code.
      options.add(
          "-XX:StartFlightRecording=settings=profile,jdk.ExecutionSample#period=2ms,"
              + "jdk.NativeMethodSample#period=2ms,filename="
              + recording);
    }
    return options;
  }

  private Plane startGateway(Stack stack) throws Exception {
    int port = FreePorts.next();
    int httpPort = FreePorts.next();
    ChildJvm jvm =
        ChildJvm.start(
            "xds-gateway",
            jvmOptions("xds-gateway"),
            "dev.chronomesh.launcher.Main",
            java.util.stream.Stream.concat(
                    List.of(
                        "run",
                        "xds-gateway",
                        "--bootstrap-servers",
                        stack.bootstrapServers(),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(port),
                        "--http-port",
                        Integer.toString(httpPort),
                        "--plaintext",
                        "--no-dataplane-tokens",
                        "--topic-prefix",
                        stack.topics().prefix(),
                        "--replication",
                        Integer.toString(stack.replication()),
                        "--partitions",
                        "3",
                        "--data-dir",
                        stack.dataDir().resolve("xds-gateway").toString())
                        .stream(),
                    gatewayArgs.stream())
                .toList(),
            out,
            null,
            Duration.ZERO);
    awaitHttp200("http://127.0.0.1:" + httpPort + "/readyz", Duration.ofSeconds(120), jvm);
    return new Plane(jvm, "127.0.0.1:" + port);
  }

  private Plane startBaseline(Stack stack) throws Exception {
    int port = FreePorts.next();
    ChildJvm jvm =
        ChildJvm.start(
            "baseline",
            jvmOptions("baseline"),
            "dev.chronomesh.benchmarks.baseline.BaselineMain",
            List.of(
                "--bootstrap-servers",
                stack.bootstrapServers(),
                "--topic-prefix",
                stack.topics().prefix(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port)),
            out,
            "BASELINE_READY",
            Duration.ofSeconds(300));
    return new Plane(jvm, "127.0.0.1:" + port);
  }

  private Measured measure(
      String name, int phase, Stack stack, BenchMesh mesh, int p, PlaneStarter starter)
      throws Exception {
    Measured m = new Measured(name);
    progress.status(name + ": starting the control plane");
    long t0 = System.nanoTime();
    Plane plane = starter.start(stack);
    try (ChildJvm jvm = plane.jvm()) {
      m.put("ready_s", seconds(System.nanoTime() - t0));
      long heapIdle = jvm.heapAfterGc();
      long rssIdle = jvm.rssBytes();
      m.put("heap_idle_mb", mb(heapIdle));
      m.put("rss_idle_mb", mb(rssIdle));
      try (Fleet fleet = new Fleet(mesh, p, plane.xdsTarget(), connections)) {
        long c0 = System.nanoTime();
        long cpu0 = jvm.cpuNanos();
        fleet.connectAll();
        if (!fleet.awaitComplete(
            Duration.ofSeconds(connectTimeoutSeconds),
            name + ": proxies with a full config",
            progress)) {
          throw new IllegalStateException(
              name
                  + ": only "
                  + fleet.completed()
                  + "/"
                  + p
                  + " proxies got a full config; e.g. "
                  + fleet.proxies().stream()
                      .filter(x -> !x.isComplete())
                      .limit(3)
                      .map(SimEnvoy::describe)
                      .toList());
        }
        m.put("connect_all_s", seconds(System.nanoTime() - c0));
        m.put("connect_cpu_s", seconds(jvm.cpuNanos() - cpu0));
        fleet.awaitQuiet(Duration.ofMillis(500), Duration.ofSeconds(30));
        long heapConnected = jvm.heapAfterGc();
        m.put("heap_connected_mb", mb(heapConnected));
        m.put("rss_connected_mb", mb(jvm.rssBytes()));
        m.put("heap_per_proxy_kb", Math.round((heapConnected - heapIdle) / 1024.0 / p * 10) / 10.0);
        m.put("heap_total_per_proxy_kb", Math.round(heapConnected / 1024.0 / p * 10) / 10.0);
        Scenarios scenarios = new Scenarios(mesh, p, stack.api(), phase);
        for (String scenario : Scenarios.ALL) {
          m.put(scenario, runScenario(name, scenario, scenarios.scenario(scenario), fleet, jvm));
        }
        progress.status(name + ": reconnect storm, " + p + " proxies at once");
        long s0 = System.nanoTime();
        long stormCpu0 = jvm.cpuNanos();
        fleet.reconnectAll();
        boolean stormDone =
            fleet.awaitComplete(Duration.ofSeconds(300), name + ": reconnected", progress);
        m.put("storm_s", stormDone ? seconds(System.nanoTime() - s0) : "timeout");
        m.put("storm_cpu_s", seconds(jvm.cpuNanos() - stormCpu0));
        m.put("failed_streams", fleet.failed());
        fleet.proxies().stream()
            .filter(SimEnvoy::failed)
            .findFirst()
            .ifPresent(x -> m.put("failed_stream_example", x.describe()));
      }
    }
    return m;
  }

  private Map<String, Object> runScenario(
      String plane, String scenario, IntFunction<Change> changeOf, Fleet fleet, ChildJvm jvm)
      throws Exception {
    // Warm-up changes take indices after the measured ones, so every change is a new one.
    Histogram warmup = new Histogram(3_600_000_000L, 3);
    Convergence warm = new Convergence(warmup, null, null, null);
    for (int i = 0; i < warmupChanges; i++) {
      converge(plane, scenario + " (warm-up)", changeOf.apply(changes + i), fleet, warm);
    }
    if (warmupChanges > 0) {
      progress.status(
          plane
              + " "
              + scenario
              + ": "
              + warmupChanges
              + " warm-up changes, p50 "
              + Measured.summary(warmup).get("p50_ms")
              + " ms");
    }
    Histogram lastAck = new Histogram(3_600_000_000L, 3);
    Histogram lastAckFromRequest = new Histogram(3_600_000_000L, 3);
    // accepted → the first affected proxy's ACK: the pipeline's latency (API, events, projector,
    // proxy-configs topic, gateway, one push) without the fan-out to the rest
    Histogram firstAck = new Histogram(3_600_000_000L, 3);
    Histogram perProxy = new Histogram(3_600_000_000L, 3);
    Convergence measured = new Convergence(lastAck, lastAckFromRequest, firstAck, perProxy);
    long pushes0 = fleet.responses();
    long cpu0 = jvm.cpuNanos();
    int affected = 0;
    for (int r = 0; r < changes; r++) {
      affected = converge(plane, scenario + " #" + r, changeOf.apply(r), fleet, measured);
      if ((r + 1) % 5 == 0 || r + 1 == changes) {
        progress.status(
            plane
                + " "
                + scenario
                + ": "
                + (r + 1)
                + "/"
                + changes
                + " changes, p50 "
                + Measured.summary(lastAck).get("p50_ms")
                + " ms");
      }
    }
    long pushes = fleet.responses() - pushes0;
    long cpu = jvm.cpuNanos() - cpu0;
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("affected_per_change", affected);
    s.put("convergence_last_ack", Measured.summary(lastAck));
    s.put("convergence_last_ack_from_request", Measured.summary(lastAckFromRequest));
    s.put("convergence_first_ack", Measured.summary(firstAck));
    s.put("convergence_per_proxy", Measured.summary(perProxy));
    s.put("warmup_last_ack", Measured.summary(warmup));
    s.put("pushes", pushes);
    s.put("cpu_s", seconds(cpu));
    s.put("cpu_us_per_push", pushes == 0 ? 0 : Math.round(cpu / 1000.0 / pushes * 10) / 10.0);
    s.put("timeouts", measured.timeouts);
    return s;
  }

  /** Where one scenario's changes record their latencies (µs); null histograms are skipped. */
  private static final class Convergence {
    final Histogram lastAck;
    final Histogram lastAckFromRequest;
    final Histogram firstAck;
    final Histogram perProxy;
    int timeouts;

    Convergence(
        Histogram lastAck, Histogram lastAckFromRequest, Histogram firstAck, Histogram perProxy) {
      this.lastAck = lastAck;
      this.lastAckFromRequest = lastAckFromRequest;
      this.firstAck = firstAck;
      this.perProxy = perProxy;
    }

    static void record(Histogram h, long nanos) {
      if (h != null) {
        h.recordValue(Math.max(0, nanos / 1000));
      }
    }
  }

  /**
   * Makes one change through the API and waits until every affected proxy acknowledged it (60 s at
   * most), then until the fleet is quiet. Returns the number of affected proxies.
   */
  private int converge(String plane, String what, Change change, Fleet fleet, Convergence into)
      throws Exception {
    Probe probe = new Probe(change.affected(), change.converged());
    fleet.setProbe(probe);
    long requested = System.nanoTime();
    change.apiCall().run();
    long accepted = System.nanoTime();
    if (!probe.await(Duration.ofSeconds(60))) {
      into.timeouts++;
      progress.status(
          plane
              + " "
              + what
              + ": only "
              + probe.reached()
              + "/"
              + probe.affected()
              + " proxies converged within 60 s");
    }
    fleet.setProbe(null);
    long last = probe.lastNanos();
    if (last > 0) {
      Convergence.record(into.lastAck, last - accepted);
      Convergence.record(into.lastAckFromRequest, last - requested);
      Convergence.record(into.firstAck, probe.firstNanos() - accepted);
    }
    for (long t : probe.times()) {
      Convergence.record(into.perProxy, t - accepted);
    }
    fleet.awaitQuiet(Duration.ofMillis(100), Duration.ofSeconds(30));
    return probe.affected();
  }

  private void buildMesh(ApiClient api, BenchMesh mesh) throws Exception {
    progress.status(
        "building mesh: "
            + mesh.services()
            + " services x "
            + mesh.perService()
            + " dataplanes through the admin API");
    api.putOk(mesh.meshPath(), mesh.meshYaml());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      AtomicLong done = new AtomicLong();
      List<Future<?>> futures = new ArrayList<>();
      for (int k = 0; k < mesh.dataplanes(); k++) {
        int dp = k;
        futures.add(
            pool.submit(
                () -> {
                  api.putOk(mesh.dataplanePath(mesh.dataplaneName(dp)), mesh.dataplaneYaml(dp));
                  long n = done.incrementAndGet();
                  if (n % 200 == 0) {
                    progress.status("dataplanes: " + n + "/" + mesh.dataplanes());
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Concurrent writers, each updating its own dataplane with If-Match on the last ETag. */
  private Map<String, Object> writeThroughput(ApiClient api, BenchMesh mesh) throws Exception {
    progress.status(
        "write throughput: " + writers + " writers for " + writeSeconds + " s, If-Match on each");
    AtomicLong accepted = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    Histogram latency = new Histogram(3_600_000_000L, 3);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    long deadline = System.nanoTime() + Duration.ofSeconds(writeSeconds).toNanos();
    long start = System.nanoTime();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String name = "writer-" + w;
        futures.add(
            pool.submit(
                () -> {
                  String etag = null;
                  int rev = 0;
                  while (System.nanoTime() < deadline) {
                    long t = System.nanoTime();
                    HttpResponse<String> r =
                        api.put(
                            mesh.dataplanePath(name),
                            mesh.dataplaneYaml(name, 0, "10.250.0." + (rev++ % 250 + 1)),
                            etag);
                    if (r.statusCode() == 200 || r.statusCode() == 201) {
                      synchronized (latency) {
                        latency.recordValue((System.nanoTime() - t) / 1000);
                      }
                      accepted.incrementAndGet();
                      etag = r.headers().firstValue("ETag").orElse(null);
                    } else {
                      refused.incrementAndGet();
                      etag =
                          api.get(mesh.dataplanePath(name))
                              .headers()
                              .firstValue("ETag")
                              .orElse(null);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("writers", writers);
    m.put("writes_accepted", accepted.get());
    m.put("writes_refused", refused.get());
    m.put("writes_per_s", Math.round(accepted.get() / secs * 10) / 10.0);
    m.put("write_latency", Measured.summary(latency));
    return m;
  }

  private static void awaitHttp200(String url, Duration timeout, ChildJvm jvm) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!jvm.isAlive()) {
        throw new IllegalStateException("the process exited; see " + jvm.log());
      }
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // Not listening yet.
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(url + " not 200 within " + timeout + "; see " + jvm.log());
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e6) / 1000.0;
  }

  static double mb(long bytes) {
    return Math.round(bytes / 1024.0 / 1024.0 * 10) / 10.0;
  }
}
