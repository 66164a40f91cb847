package dev.chronomesh.benchmarks;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.projector.generate.ConfigGenerator;
import dev.chronomesh.projector.generate.ConfigVersion;
import dev.chronomesh.projector.generate.GeneratedConfig;
import dev.chronomesh.projector.generate.MeshContext;
import dev.chronomesh.projector.generate.MeshResources;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Per-proxy config generation in the {@link BenchmarkMesh} of {@code services} × 10 dataplanes with
 * a MeshTimeout, a MeshRetry and a MeshHTTPRoute: what the projector spends on one proxy after a
 * change that touches it, with the per-mesh {@link MeshContext} already built (it is computed once
 * per mesh state and shared by every proxy; {@link #meshContext} measures that).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
// Generation runs deep protobuf-builder code at ~0.1-1 ms per call: measured on a 2-core box, it
// needs about 8 s of warmup before C2 settles (3 s left it 2-30x slow).
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
public class GenerationBenchmark {
  /** Services in the mesh, each with 10 dataplanes. */
  @Param({"10", "100"})
  public int services;

  /** Whether the mesh runs mTLS with an allow-all MeshTrafficPermission (TLS contexts, RBAC). */
  @Param({"false", "true"})
  public boolean mtls;

  private MeshResources resources;
  private MeshContext mesh;
  private DataplaneResource sidecar;
  private DataplaneResource proxyless;

  /** Builds the mesh and checks that both proxies get a real config of their own flavour. */
  @Setup(Level.Trial)
  public void setUp() {
    resources = BenchmarkMesh.build(services, mtls);
    mesh = MeshContext.of(resources);
    sidecar = BenchmarkMesh.dataplane(resources, BenchmarkMesh.SIDECAR);
    proxyless = BenchmarkMesh.dataplane(resources, BenchmarkMesh.PROXYLESS);
    GeneratedConfig sidecarConfig = ConfigGenerator.generate(mesh, sidecar);
    GeneratedConfig proxylessConfig = ConfigGenerator.generate(mesh, proxyless);
    // Five outbounds each: a sidecar and a proxyless config with fewer EDS clusters would mean
    // the mesh is not what this benchmark claims to measure.
    requireClusters("sidecar", sidecarConfig);
    requireClusters("proxyless", proxylessConfig);
    if (sidecarConfig.resources().equals(proxylessConfig.resources())) {
      throw new IllegalStateException("sidecar and proxyless configs are the same");
    }
  }

  private static void requireClusters(String flavour, GeneratedConfig config) {
    // Routes split svc-1 and svc-2 into version subsets: more EDS clusters than outbounds.
    if (config.edsClusters().size() <= BenchmarkMesh.OUTBOUNDS) {
      throw new IllegalStateException(
          flavour
              + " config has EDS clusters "
              + config.edsClusters().keySet()
              + ", expected more than "
              + BenchmarkMesh.OUTBOUNDS);
    }
  }

  /** One Envoy sidecar's config (listeners, routes, clusters, sorted and serialized). */
  @Benchmark
  public GeneratedConfig sidecar() {
    return ConfigGenerator.generate(mesh, sidecar);
  }

  /** One proxyless gRPC client's config. */
  @Benchmark
  public GeneratedConfig proxyless() {
    return ConfigGenerator.generate(mesh, proxyless);
  }

  /**
   * A sidecar's config and its content version (SHA-256 of the resources): the projector's whole
   * per-proxy cost before it compares versions and writes.
   */
  @Benchmark
  public void sidecarWithVersion(Blackhole bh) {
    GeneratedConfig config = ConfigGenerator.generate(mesh, sidecar);
    bh.consume(config);
    bh.consume(ConfigVersion.of(config.resources()));
  }

  /** The per-mesh context (services, endpoints, valid policies by type), shared by all proxies. */
  @Benchmark
  public MeshContext meshContext() {
    return MeshContext.of(resources);
  }
}
