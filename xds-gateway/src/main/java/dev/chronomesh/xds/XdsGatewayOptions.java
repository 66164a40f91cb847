package dev.chronomesh.xds;

import dev.chronomesh.ca.MutualTls;
import dev.chronomesh.xds.hds.HealthChecks;
import dev.chronomesh.xds.lifecycle.DataplaneLifecycle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's optional behaviours, each with a default that keeps a plain loopback gateway
 * working. Withers return a copy with one setting changed.
 *
 * @param requireDataplaneTokens refuse ADS streams without a valid dataplane token for their node
 * @param httpPort the HTTP listener for /healthz, /readyz and /metrics: null for none, 0 for a free
 *     port
 * @param publishStatus write connect, disconnect, ACK and NACK events to the proxy-status topic
 * @param instanceId this gateway's name in proxy status (null: {@code <host>:<grpc port>})
 * @param admissionPerSecond new ADS streams admitted per second on average; 0: no limit
 * @param admissionBurst how many new streams may be admitted at once (at least 1)
 * @param tlsCertChain PEM certificate chain of the gRPC port; null: plaintext, which the gateway
 *     accepts only on a loopback address (development)
 * @param tlsPrivateKey PEM (PKCS#8) private key of {@code tlsCertChain}; both or neither
 * @param cacheDir where the gateway keeps its disk cache of the fleet's configs (a directory of its
 *     own is created under it and deleted on close); null: {@code java.io.tmpdir}
 * @param caTarget {@code host:port} of the CA service: the gateway then signs workload certificates
 *     through it for callers whose dataplane token names the dataplane they ask for ({@code
 *     chronomesh.ca.v1.CertificateAuthority} on the gRPC port); null: not offered
 * @param caTls the gateway's client certificate and key for the CA service and the control-plane CA
 *     the service's certificate must chain to (mTLS); null: plaintext to a loopback CA service
 * @param kumaDpBootstrap the gRPC port also answers kuma-dp's {@code POST /bootstrap} (HTTP/1.1): a
 *     demultiplexer owns the port and hands each connection to the gRPC server or to the bootstrap
 *     server, both then on loopback
 * @param bootstrapCa the PEM of the CA the gateway's certificate chains to, given to kuma-dp's
 *     Envoy to verify the gateway when kuma-dp sends none (its {@code --ca-cert-file}); null: none
 *     known
 * @param lifecycle registers the dataplanes proxies carry in their node metadata and deletes them
 *     when their proxies go away (Kuma's deregistration delay and cleanup age); null: off
 * @param hds serves Envoy's health discovery service to kuma-dp's Envoys (their bootstrap names
 *     it): the checks of each inbound's {@code serviceProbe}, whose outcomes set the inbounds'
 *     readiness; null: off (and {@code serviceProbe}s then probe nothing)
 */
public record XdsGatewayOptions(
    boolean requireDataplaneTokens,
    Integer httpPort,
    boolean publishStatus,
    String instanceId,
    double admissionPerSecond,
    int admissionBurst,
    Path tlsCertChain,
    Path tlsPrivateKey,
    Path cacheDir,
    String caTarget,
    MutualTls caTls,
    boolean kumaDpBootstrap,
    Path bootstrapCa,
    DataplaneLifecycle.Settings lifecycle,
    HealthChecks.Settings hds) {

  /** Streams admitted at once after a quiet period when a rate is set and no burst is given. */
  public static final int DEFAULT_ADMISSION_BURST = 100;

  /** No token check, no HTTP listener, status published, instance named by its address. */
  public static final XdsGatewayOptions DEFAULTS =
      new XdsGatewayOptions(
          false,
          null,
          true,
          null,
          0,
          DEFAULT_ADMISSION_BURST,
          null,
          null,
          null,
          null,
          null,
          false,
          null,
          null,
          null);

  /**
   * @throws IllegalArgumentException naming each invalid setting
   */
  public XdsGatewayOptions {
    List<String> problems = new ArrayList<>();
    if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
      problems.add("httpPort: must be between 0 and 65535, was " + httpPort);
    }
    if (instanceId != null && instanceId.isBlank()) {
      problems.add("instanceId: must not be blank when given");
    }
    if (!(admissionPerSecond >= 0) || Double.isInfinite(admissionPerSecond)) {
      problems.add(
          "admissionPerSecond: must be 0 (no limit) or positive, was " + admissionPerSecond);
    }
    if (admissionBurst < 1) {
      problems.add("admissionBurst: must be at least 1, was " + admissionBurst);
    }
    if ((tlsCertChain == null) != (tlsPrivateKey == null)) {
      problems.add("tlsCertChain, tlsPrivateKey: give both or neither");
    }
    if (caTls != null && caTarget == null) {
      problems.add("caTls: mTLS to the CA service needs caTarget");
    }
    if (caTarget != null && !requireDataplaneTokens) {
      problems.add(
          "caTarget: workload certificates go only to callers with a dataplane token; turn"
              + " dataplane tokens on");
    }
    if (hds != null && !kumaDpBootstrap) {
      problems.add("hds: kuma-dp's Envoys use it; turn the kuma-dp bootstrap on");
    }
    if (bootstrapCa != null && !kumaDpBootstrap) {
      problems.add("bootstrapCa: is given to kuma-dp; turn the kuma-dp bootstrap on");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid xds-gateway options: " + String.join("; ", problems));
    }
  }

  public XdsGatewayOptions withRequireDataplaneTokens(boolean value) {
    return copy(c -> c.requireDataplaneTokens = value);
  }

  public XdsGatewayOptions withHttpPort(Integer value) {
    return copy(c -> c.httpPort = value);
  }

  public XdsGatewayOptions withPublishStatus(boolean value) {
    return copy(c -> c.publishStatus = value);
  }

  public XdsGatewayOptions withInstanceId(String value) {
    return copy(c -> c.instanceId = value);
  }

  /** Serves the gRPC port over TLS with this PEM certificate chain and private key. */
  public XdsGatewayOptions withTls(Path certChain, Path privateKey) {
    return copy(
        c -> {
          c.tlsCertChain = certChain;
          c.tlsPrivateKey = privateKey;
        });
  }

  /** Admits new streams at {@code perSecond} (0: no limit), up to {@code burst} at once. */
  public XdsGatewayOptions withAdmission(double perSecond, int burst) {
    return copy(
        c -> {
          c.admissionPerSecond = perSecond;
          c.admissionBurst = burst;
        });
  }

  /** Keeps the gateway's disk cache under {@code dir} (null: {@code java.io.tmpdir}). */
  public XdsGatewayOptions withCacheDir(Path dir) {
    return copy(c -> c.cacheDir = dir);
  }

  /**
   * Offers workload certificates on the gRPC port, signed by the CA service at {@code target}
   * ({@code host:port}) for callers whose dataplane token names the dataplane they ask for; null:
   * not offered.
   */
  public XdsGatewayOptions withCaTarget(String target) {
    return copy(c -> c.caTarget = target);
  }

  /** Talks mTLS to the CA service: presents {@code tls}' certificate, verifies against its CA. */
  public XdsGatewayOptions withCaTls(MutualTls tls) {
    return copy(c -> c.caTls = tls);
  }

  /**
   * Answers kuma-dp's {@code POST /bootstrap} on the gRPC port; {@code ca} is the PEM file of the
   * CA the gateway's certificate chains to, given to Envoy (null: kuma-dp must send its own).
   */
  public XdsGatewayOptions withKumaDpBootstrap(boolean on, Path ca) {
    return copy(
        c -> {
          c.kumaDpBootstrap = on;
          c.bootstrapCa = ca;
        });
  }

  /** Registers and deregisters carried dataplanes with {@code settings}; null: off. */
  public XdsGatewayOptions withLifecycle(DataplaneLifecycle.Settings settings) {
    return copy(c -> c.lifecycle = settings);
  }

  /** Serves HDS with {@code settings}; null: off. */
  public XdsGatewayOptions withHds(HealthChecks.Settings settings) {
    return copy(c -> c.hds = settings);
  }

  /** A copy with what {@code change} sets; validated as any new options. */
  private XdsGatewayOptions copy(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return new XdsGatewayOptions(
        f.requireDataplaneTokens,
        f.httpPort,
        f.publishStatus,
        f.instanceId,
        f.admissionPerSecond,
        f.admissionBurst,
        f.tlsCertChain,
        f.tlsPrivateKey,
        f.cacheDir,
        f.caTarget,
        f.caTls,
        f.kumaDpBootstrap,
        f.bootstrapCa,
        f.lifecycle,
        f.hds);
  }

  /** The components as mutable fields, for {@link #copy}. */
  private static final class Fields {
    boolean requireDataplaneTokens;
    Integer httpPort;
    boolean publishStatus;
    String instanceId;
    double admissionPerSecond;
    int admissionBurst;
    Path tlsCertChain;
    Path tlsPrivateKey;
    Path cacheDir;
    String caTarget;
    MutualTls caTls;
    boolean kumaDpBootstrap;
    Path bootstrapCa;
    DataplaneLifecycle.Settings lifecycle;
    HealthChecks.Settings hds;

    Fields(XdsGatewayOptions o) {
      requireDataplaneTokens = o.requireDataplaneTokens;
      httpPort = o.httpPort;
      publishStatus = o.publishStatus;
      instanceId = o.instanceId;
      admissionPerSecond = o.admissionPerSecond;
      admissionBurst = o.admissionBurst;
      tlsCertChain = o.tlsCertChain;
      tlsPrivateKey = o.tlsPrivateKey;
      cacheDir = o.cacheDir;
      caTarget = o.caTarget;
      caTls = o.caTls;
      kumaDpBootstrap = o.kumaDpBootstrap;
      bootstrapCa = o.bootstrapCa;
      lifecycle = o.lifecycle;
      hds = o.hds;
    }
  }

  /** The parent directory of the disk cache: {@link #cacheDir()}, else {@code java.io.tmpdir}. */
  Path cacheParent() {
    return cacheDir != null ? cacheDir : Path.of(System.getProperty("java.io.tmpdir"));
  }
}
