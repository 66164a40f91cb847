package dev.chronomesh.xds;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.chronomesh.ca.ReloadingTls;
import dev.chronomesh.ca.v1.CertificateAuthorityGrpc;
import dev.chronomesh.events.CommandSender;
import dev.chronomesh.servicehttp.ServiceHttp;
import dev.chronomesh.xds.auth.DataplaneAuthenticator;
import dev.chronomesh.xds.auth.DataplaneTokenInterceptor;
import dev.chronomesh.xds.auth.MeshKeys;
import dev.chronomesh.xds.auth.MeshKeysFeed;
import dev.chronomesh.xds.auth.WorkloadCertificateService;
import dev.chronomesh.xds.bootstrap.BootstrapHandler;
import dev.chronomesh.xds.bootstrap.BootstrapServer;
import dev.chronomesh.xds.bootstrap.PortDemultiplexer;
import dev.chronomesh.xds.hds.HdsService;
import dev.chronomesh.xds.lifecycle.DataplaneLifecycle;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stateless xDS gateway: an ADS server (state of the world and delta, java-control-plane on
 * grpc-java) whose per-proxy snapshots are fed from the proxy-configs topic. It holds no config
 * logic and no durable state; any instance serves any proxy with what the projector wrote.
 *
 * <p>The gRPC health service reports NOT_SERVING until the feed has caught up with the topic.
 */
public final class XdsGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(XdsGateway.class);
  private static final long SHUTDOWN_GRACE_SECONDS = 5;

  /**
   * Threads running the gRPC server's calls: a fixed pool instead of grpc-java's default cached
   * one, which in a reconnect storm started a thread per connecting stream (6,000 for 10,000
   * proxies), each then waiting for {@link NodeSnapshots}' monitor; on two cores the waiting cost
   * more CPU than the work. Calls queue instead; nothing a call does waits for another call. One
   * thread per core: with two per core, the extra threads spun on that monitor (14% of the
   * gateway's samples in a storm), and a 10,000-proxy storm took 18–19 s against 15–16 s.
   */
  static final int GRPC_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final Server server;
  private final ExecutorService grpcExecutor;
  private final int port;
  private final ProxyConfigFeed feed;
  private final NodeSnapshots snapshots;
  private final HealthStatusManager health;
  private final GatewayMetrics metrics;

  /** The caller's listeners, then {@link #metrics}: every ADS stream event goes to each. */
  private final List<ProxyEventListener> listeners;

  /** Null when {@link XdsGatewayOptions#httpPort()} is null. */
  private volatile ServiceHttp http;

  /** Null unless {@link XdsGatewayOptions#requireDataplaneTokens()}. */
  private volatile MeshKeysFeed meshKeys;

  /** Detects connect, disconnect, ACK and NACK on ADS streams and tells the listeners. */
  private volatile AdsCallbacks callbacks;

  /** Null unless {@link XdsGatewayOptions#publishStatus()}. */
  private volatile ProxyStatusPublisher statusPublisher;

  /** To the CA service, when the gateway offers workload certificates; else null. */
  private volatile ManagedChannel caChannel;

  /** The sidecars' SDS identities, signed through {@link #caChannel}; null without it. */
  private volatile WorkloadIdentities identities;

  /** The certificate files read again while serving (the xDS port's, the CA client's). */
  private volatile List<ReloadingTls> tlsFiles = List.of();

  /** The public port's owner when kuma-dp's bootstrap is served; else null. */
  private volatile PortDemultiplexer demux;

  /** Registers and deregisters the dataplanes proxies carry; null when off. */
  private volatile DataplaneLifecycle lifecycle;

  /** kuma-dp's {@code /bootstrap}, behind {@link #demux}; else null. */
  private volatile BootstrapServer bootstrapServer;

  /** The writer of the lifecycle's and HDS's commands; null when neither is on. */
  private volatile CommandSender commands;

  /** Runs HDS's refreshes; null when HDS is off. */
  private volatile ScheduledExecutorService hdsScheduler;

  private final AtomicBoolean closed = new AtomicBoolean();

  private XdsGateway(
      Server server,
      int port,
      ExecutorService grpcExecutor,
      ProxyConfigFeed feed,
      NodeSnapshots snapshots,
      HealthStatusManager health,
      GatewayMetrics metrics,
      List<ProxyEventListener> listeners) {
    this.server = server;
    this.grpcExecutor = grpcExecutor;
    this.port = port;
    this.feed = feed;
    this.snapshots = snapshots;
    this.health = health;
    this.metrics = metrics;
    this.listeners = listeners;
  }

  /** The caller's Kafka settings, the client id defaulting to the gateway's. */
  public static Map<String, Object> clientProperties(Map<String, Object> kafkaProperties) {
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "chronomesh-xds-gateway");
    return props;
  }

  /**
   * Binds the gRPC port (0 picks a free one) and starts reading the proxy-configs topic. Returns
   * without waiting for the feed; see {@link #isReady()}.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static XdsGateway start(XdsGatewayConfig config) {
    return start(config, List.of());
  }

  /**
   * Like {@link #start(XdsGatewayConfig)}, telling ADS stream events to {@code listeners} as well
   * as to the gateway's own metrics; with {@link XdsGatewayOptions#httpPort()} set, also serves
   * /healthz, /readyz and /metrics on that port.
   *
   * @throws UncheckedIOException when a port cannot be bound
   */
  public static XdsGateway start(XdsGatewayConfig config, List<ProxyEventListener> listeners) {
    Objects.requireNonNull(config, "config");
    XdsGatewayOptions o = config.options();
    // The certificates are read again every minute: renewed ones serve without a restart.
    ReloadingTls xdsTls =
        o.tlsCertChain() == null
            ? null
            : ReloadingTls.watch(
                o.tlsCertChain(),
                o.tlsPrivateKey(),
                null,
                ReloadingTls.Side.SERVER,
                ReloadingTls.DEFAULT_PERIOD);
    ReloadingTls caTls = null;
    try {
      // Before anything is started: refusing plaintext off loopback must leave nothing behind.
      ServerCredentials credentials = serverCredentials(config, xdsTls);
      if (o.caTarget() != null && o.caTls() != null) {
        caTls =
            ReloadingTls.watch(o.caTls(), ReloadingTls.Side.CLIENT, ReloadingTls.DEFAULT_PERIOD);
      }
      XdsGateway gateway = start(config, listeners, credentials, caTls, xdsTls);
      gateway.tlsFiles = Stream.of(xdsTls, caTls).filter(Objects::nonNull).toList();
      return gateway;
    } catch (RuntimeException e) {
      Stream.of(xdsTls, caTls).filter(Objects::nonNull).forEach(ReloadingTls::close);
      throw e;
    }
  }

  private static XdsGateway start(
      XdsGatewayConfig config,
      List<ProxyEventListener> listeners,
      ServerCredentials credentials,
      ReloadingTls caTls,
      ReloadingTls xdsTls) {
    GatewayMetrics metrics = new GatewayMetrics();
    List<ProxyEventListener> allListeners =
        Stream.concat(List.copyOf(listeners).stream(), Stream.of(metrics)).toList();
    FeedRecords records =
        new FeedRecords(
            config.registry(), config.topics().proxyConfigs(), config.topics().endpoints());
    NodeSnapshots snapshots =
        new NodeSnapshots(NodeStore.open(config.options().cacheParent()), records);
    metrics.bindNodes(snapshots);
    // What is started so far, undone last-first if a later step fails.
    Deque<Runnable> undo = new ArrayDeque<>();
    undo.push(snapshots::close);
    HealthStatusManager health = new HealthStatusManager();
    String adsService = AggregatedDiscoveryServiceGrpc.SERVICE_NAME;
    setHealth(health, adsService, ServingStatus.NOT_SERVING);

    AdsCallbacks callbacks =
        new AdsCallbacks(snapshots::causedAt, snapshots::currentVersion, Clock.systemUTC());
    allListeners.forEach(callbacks::addListener);
    V3DiscoveryServer discovery =
        new V3DiscoveryServer(
            List.of(new StreamLogging(), callbacks),
            new ProxyStatusNackGuard(snapshots.cache(), callbacks));
    boolean kumaDp = config.options().kumaDpBootstrap();
    // With kuma-dp's bootstrap, a demultiplexer owns the public port and the gRPC server listens
    // on loopback behind it.
    InetSocketAddress address =
        kumaDp
            ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)
            : new InetSocketAddress(config.host(), config.port());
    // Serving once every feed has caught up: proxy configs, and the mesh keys when tokens are
    // required (their interceptor checks the `authorization` metadata against the node id).
    AtomicInteger feedsNotReady = new AtomicInteger(1);
    Runnable feedReady =
        () -> {
          if (feedsNotReady.decrementAndGet() == 0) {
            setHealth(health, adsService, ServingStatus.SERVING);
          }
        };
    MeshKeysFeed meshKeys = null;
    // First in the list, so innermost: a connecting node's snapshot is loaded (or its stream
    // refused) before java-control-plane handles the stream's first request.
    NodeStreams nodeStreams = new NodeStreams(snapshots, callbacks::refused);
    snapshots.refuseWith(nodeStreams::refuse);
    List<ServerInterceptor> adsInterceptors = List.of(nodeStreams);
    if (config.options().requireDataplaneTokens()
        || kumaDp
        || config.options().lifecycle() != null) {
      feedsNotReady.incrementAndGet();
      meshKeys =
          MeshKeysFeed.start(
              config.topics().events(),
              config.kafkaProperties(),
              config.registry(),
              feedReady,
              () -> setHealth(health, adsService, ServingStatus.NOT_SERVING));
      undo.push(meshKeys::close);
    }
    if (config.options().requireDataplaneTokens()) {
      adsInterceptors =
          List.of(nodeStreams, new DataplaneTokenInterceptor(meshKeys.keys(), Clock.systemUTC()));
    }
    if (config.options().admissionPerSecond() > 0) {
      // Last in the list, so it runs first: a refused stream costs no token check.
      List<ServerInterceptor> withAdmission = new ArrayList<>(adsInterceptors);
      withAdmission.add(
          new AdmissionControl(
              config.options().admissionPerSecond(),
              config.options().admissionBurst(),
              System::nanoTime));
      adsInterceptors = List.copyOf(withAdmission);
    }
    // Status from the first stream on; named by the bound address unless an instance id is set.
    AtomicReference<Server> bound = new AtomicReference<>();
    AtomicReference<PortDemultiplexer> front = new AtomicReference<>();
    ProxyStatusPublisher statusPublisher = null;
    if (config.options().publishStatus()) {
      String name = config.options().instanceId();
      try {
        statusPublisher =
            new ProxyStatusPublisher(
                config.topics().proxyStatus(),
                () ->
                    name != null
                        ? name
                        : config.host()
                            + ":"
                            + (front.get() != null ? front.get().port() : bound.get().getPort()),
                config.kafkaProperties(),
                config.registry(),
                Clock.systemUTC());
      } catch (RuntimeException e) {
        undoAll(undo);
        throw e;
      }
      undo.push(statusPublisher::close);
      callbacks.addListener(statusPublisher);
    }
    // The lifecycle's registrations and HDS's readiness changes go through one command writer.
    CommandSender commands = null;
    if (config.options().lifecycle() != null || config.options().hds() != null) {
      try {
        commands =
            new CommandSender(
                config.topics().commands(),
                config.kafkaProperties(),
                config.registry(),
                "chronomesh-xds-gateway-commands");
      } catch (RuntimeException e) {
        undoAll(undo);
        throw e;
      }
      undo.push(commands::close);
    }
    DataplaneLifecycle lifecycle = null;
    if (config.options().lifecycle() != null) {
      try {
        lifecycle =
            DataplaneLifecycle.start(
                meshKeys.keys(),
                config.topics().proxyStatus(),
                commands,
                config.kafkaProperties(),
                config.registry(),
                config.options().lifecycle());
      } catch (RuntimeException e) {
        undoAll(undo);
        throw e;
      }
      undo.push(lifecycle::close);
      callbacks.addListener(lifecycle);
    }
    ExecutorService grpcExecutor =
        Executors.newFixedThreadPool(
            GRPC_THREADS,
            new ThreadFactoryBuilder().setNameFormat("xds-grpc-%d").setDaemon(true).build());
    undo.push(grpcExecutor::shutdownNow);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address, credentials)
            .executor(grpcExecutor)
            // One service carries both StreamAggregatedResources (SotW) and
            // DeltaAggregatedResources (delta) in java-control-plane 1.0.49.
            .addService(
                ServerInterceptors.intercept(
                    discovery.getAggregatedDiscoveryServiceImpl(), adsInterceptors))
            .addService(health.getHealthService());
    ScheduledExecutorService hdsScheduler = null;
    if (config.options().hds() != null) {
      hdsScheduler =
          Executors.newSingleThreadScheduledExecutor(
              new ThreadFactoryBuilder().setNameFormat("xds-hds-%d").setDaemon(true).build());
      undo.push(hdsScheduler::shutdownNow);
      HdsService hds =
          new HdsService(
              meshKeys.keys(), commands, config.options().hds(), hdsScheduler, Clock.systemUTC());
      // Authenticated as ADS is: the first request names the node the token must be for.
      builder.addService(
          config.options().requireDataplaneTokens()
              ? ServerInterceptors.intercept(
                  hds, new DataplaneTokenInterceptor(meshKeys.keys(), Clock.systemUTC()))
              : hds.bindService());
    }
    // Workload certificates for callers with a dataplane token (the options require tokens with
    // a CA target). The channel connects on first use.
    ManagedChannel caChannel = null;
    WorkloadIdentities identities = null;
    if (config.options().caTarget() != null) {
      caChannel = caChannel(config.options(), caTls);
      undo.push(caChannel::shutdownNow);
      WorkloadCertificateService certificates =
          new WorkloadCertificateService(
              meshKeys.keys(), Clock.systemUTC(), CertificateAuthorityGrpc.newStub(caChannel));
      builder.addService(
          ServerInterceptors.intercept(
              certificates, WorkloadCertificateService.authorizationInterceptor()));
      // SDS: the sidecars whose config names an identity secret get it signed through the same
      // client; their streams were authenticated by their dataplane tokens.
      identities =
          new WorkloadIdentities(
              certificates::forward,
              certificates::forwardBundle,
              snapshots::putSecrets,
              Clock.systemUTC(),
              WorkloadIdentities.BUNDLE_REFRESH);
      undo.push(identities::close);
      snapshots.signWith(identities);
    }
    Server server = builder.build();
    bound.set(server);
    try {
      server.start();
    } catch (IOException e) {
      undoAll(undo);
      throw new UncheckedIOException("cannot bind the xDS gRPC server to " + address, e);
    }
    undo.push(server::shutdownNow);
    BootstrapServer bootstrapServer = null;
    PortDemultiplexer demux = null;
    if (kumaDp) {
      try {
        MeshKeys keys = meshKeys.keys();
        MeshKeysFeed keysFeed = meshKeys;
        Path ca = config.options().bootstrapCa();
        BootstrapHandler handler =
            new BootstrapHandler(
                keys,
                config.options().requireDataplaneTokens()
                    ? new DataplaneAuthenticator(keys, Clock.systemUTC())
                    : null,
                xdsTls == null ? null : () -> readCa(ca),
                () -> front.get().port(),
                config.options().hds() != null,
                keysFeed::isReady);
        bootstrapServer =
            BootstrapServer.start(handler, xdsTls == null ? null : xdsTls.serverSslContext());
        undo.push(bootstrapServer::close);
        demux =
            PortDemultiplexer.start(
                new InetSocketAddress(config.host(), config.port()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()),
                bootstrapServer.address());
        front.set(demux);
        undo.push(demux::close);
      } catch (RuntimeException e) {
        undoAll(undo);
        throw e;
      }
    }
    ProxyConfigFeed feed;
    try {
      feed =
          ProxyConfigFeed.start(
              config.topics().proxyConfigs(),
              config.topics().endpoints(),
              config.kafkaProperties(),
              records,
              snapshots,
              feedReady,
              () -> setHealth(health, adsService, ServingStatus.NOT_SERVING));
    } catch (RuntimeException e) {
      metrics.close();
      undoAll(undo);
      throw e;
    }
    int publicPort = demux != null ? demux.port() : server.getPort();
    LOG.info(
        "xDS gateway listening host={} port={} kumaDpBootstrap={} topic={}",
        config.host(),
        publicPort,
        kumaDp,
        config.topics().proxyConfigs());
    XdsGateway gateway =
        new XdsGateway(
            server, publicPort, grpcExecutor, feed, snapshots, health, metrics, allListeners);
    gateway.demux = demux;
    gateway.lifecycle = lifecycle;
    gateway.commands = commands;
    gateway.hdsScheduler = hdsScheduler;
    gateway.bootstrapServer = bootstrapServer;
    gateway.meshKeys = meshKeys;
    gateway.callbacks = callbacks;
    gateway.statusPublisher = statusPublisher;
    gateway.caChannel = caChannel;
    gateway.identities = identities;
    Integer httpPort = config.options().httpPort();
    if (httpPort != null) {
      try {
        gateway.http =
            ServiceHttp.start(
                "xds-gateway", config.host(), httpPort, gateway::isReady, metrics::scrape, null);
      } catch (RuntimeException e) {
        gateway.close();
        throw e;
      }
    }
    return gateway;
  }

  /**
   * The channel to the CA service: mTLS with the gateway's own certificate when the options name
   * the control-plane CA, else plaintext (the CA service then listens on loopback only).
   */
  private static ManagedChannel caChannel(XdsGatewayOptions o, ReloadingTls tls) {
    if (tls == null) {
      return NettyChannelBuilder.forTarget(o.caTarget()).usePlaintext().build();
    }
    return Grpc.newChannelBuilder(o.caTarget(), tls.channelCredentials()).build();
  }

  /**
   * TLS with the configured certificate; plaintext only on a loopback address, where it serves
   * development and tests.
   *
   * @throws IllegalArgumentException for plaintext on a non-loopback address
   * @throws UncheckedIOException when the certificate or key cannot be read
   */
  static ServerCredentials serverCredentials(XdsGatewayConfig config, ReloadingTls xdsTls) {
    XdsGatewayOptions o = config.options();
    if (xdsTls != null) {
      return xdsTls.serverCredentials();
    }
    boolean loopback;
    try {
      loopback = InetAddress.getByName(config.host()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalArgumentException(
          "the xDS port is served in plaintext only on a loopback address, not "
              + config.host()
              + ": give a TLS certificate and key");
    }
    return InsecureServerCredentials.create();
  }

  /** Undoes what {@code undo} holds, last started first. */
  private static void undoAll(Deque<Runnable> undo) {
    while (!undo.isEmpty()) {
      undo.pop().run();
    }
  }

  /** The CA PEM given to kuma-dp's Envoy; null when none is configured or it cannot be read. */
  private static String readCa(Path ca) {
    if (ca == null) {
      return null;
    }
    try {
      return java.nio.file.Files.readString(ca, java.nio.charset.StandardCharsets.US_ASCII);
    } catch (IOException e) {
      LOG.warn("Cannot read the CA given to kuma-dp {}: {}", ca, e.toString());
      return null;
    }
  }

  private static void setHealth(
      HealthStatusManager health, String adsService, ServingStatus status) {
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    health.setStatus(adsService, status);
  }

  /** The bound public port: the gRPC server's, or the demultiplexer's in front of it. */
  public int port() {
    return port;
  }

  /** The bound port of the /healthz, /readyz and /metrics listener; empty when there is none. */
  public OptionalInt httpPort() {
    ServiceHttp http = this.http;
    return http == null ? OptionalInt.empty() : OptionalInt.of(http.port());
  }

  /**
   * Adds a listener of ADS stream events (connect, disconnect, ACK, NACK); it hears of events from
   * now on, on gRPC threads (see {@link ProxyEventListener}).
   */
  public void addListener(ProxyEventListener listener) {
    callbacks.addListener(listener);
  }

  /** Every listener of ADS stream events given at start, the gateway's metrics last. */
  List<ProxyEventListener> listeners() {
    return listeners;
  }

  /** The gateway's metrics (for tests in this package). */
  GatewayMetrics metrics() {
    return metrics;
  }

  /**
   * Whether the feed has read proxy-configs up to the end offsets seen at start (and, when tokens
   * are required, the mesh keys feed the events topic).
   */
  public boolean isReady() {
    MeshKeysFeed meshKeys = this.meshKeys;
    return feed.isReady() && (meshKeys == null || meshKeys.isReady());
  }

  /** The per-node snapshots this gateway serves (for tests in this package). */
  NodeSnapshots snapshots() {
    return snapshots;
  }

  /**
   * Stops the gRPC server (graceful shutdown, then shutdownNow after a bound) and the feed.
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ServiceHttp http = this.http;
    if (http != null) {
      http.close();
    }
    DataplaneLifecycle lifecycle = this.lifecycle;
    if (lifecycle != null) {
      // First: the streams about to close must not deregister their dataplanes.
      lifecycle.close();
    }
    health.enterTerminalState();
    PortDemultiplexer demux = this.demux;
    if (demux != null) {
      // New connections stop here; relayed ones close, and proxies reconnect elsewhere.
      demux.close();
      bootstrapServer.close();
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      // The server has terminated (or was told to stop twice): no call is left to run.
      grpcExecutor.shutdownNow();
      ScheduledExecutorService hdsScheduler = this.hdsScheduler;
      if (hdsScheduler != null) {
        hdsScheduler.shutdownNow();
      }
      CommandSender commands = this.commands;
      if (commands != null) {
        commands.close();
      }
      feed.close();
      MeshKeysFeed meshKeys = this.meshKeys;
      if (meshKeys != null) {
        meshKeys.close();
      }
      metrics.close();
      ProxyStatusPublisher statusPublisher = this.statusPublisher;
      if (statusPublisher != null) {
        statusPublisher.close();
      }
      WorkloadIdentities identities = this.identities;
      if (identities != null) {
        identities.close();
      }
      snapshots.close();
      ManagedChannel caChannel = this.caChannel;
      if (caChannel != null) {
        caChannel.shutdownNow();
      }
      tlsFiles.forEach(ReloadingTls::close);
    }
    LOG.info("xDS gateway stopped port={}", port);
  }
}
