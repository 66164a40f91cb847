package dev.chronomesh.ca;

import dev.chronomesh.events.AvroSerde;
import dev.chronomesh.events.CommandSender;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.meshmodel.view.EventView;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA service: follows the events topic into the meshes' state, creates the builtin CAs they
 * lack ({@link CaCreator}) and serves {@link CertificateAuthorityService} over gRPC. Stateless
 * apart from what it reads: any number of instances may run.
 *
 * <p>Until the control plane has its own identity (mTLS between the gateways and this service), the
 * gRPC port is plaintext and unauthenticated, so it listens on a loopback address only.
 */
public final class CaServer implements AutoCloseable {
  /** Kuma's old SDS port, 5677: the certificate service of the control plane. */
  public static final int DEFAULT_PORT = 5677;

  private static final Logger LOG = LoggerFactory.getLogger(CaServer.class);
  private static final Duration CREATE_EVERY = Duration.ofMillis(500);

  /**
   * @param host the address or name to listen on: a loopback one unless {@code tls} is given
   * @param port 0 for a free port
   * @param tls the CA service's certificate and key and the CA its callers' certificates must chain
   *     to (the control-plane CA): every caller then authenticates with a client certificate
   *     (mTLS). Null: plaintext, on loopback only
   */
  public record Config(
      String host,
      int port,
      Map<String, Object> kafkaProperties,
      Topics topics,
      SchemaRegistry registry,
      Sealer sealer,
      Duration startTimeout,
      MutualTls tls) {
    public Config {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(sealer, "the CA service needs the key-encryption key");
      kafkaProperties = Map.copyOf(kafkaProperties);
    }
  }

  private final EventView view;
  private final CommandSender producer;
  private final ScheduledExecutorService creator;
  private final Server server;
  private final ReloadingTls tls;

  private CaServer(
      EventView view,
      CommandSender producer,
      ScheduledExecutorService creator,
      Server server,
      ReloadingTls tls) {
    this.view = view;
    this.producer = producer;
    this.creator = creator;
    this.server = server;
    this.tls = tls;
  }

  public static CaServer start(Config config) {
    InetAddress address = config.tls() == null ? loopback(config.host()) : resolve(config.host());
    EventView view =
        new EventView(
            "chronomesh-ca-service",
            config.kafkaProperties(),
            config.topics().events(),
            AvroSerde.forValues(config.registry(), ResourceEvent.class).deserializer(),
            config.startTimeout());
    CommandSender producer = null;
    ScheduledExecutorService creator = null;
    ReloadingTls tls = null;
    try {
      // The certificate is read again every minute: a renewed one serves without a restart.
      tls =
          config.tls() == null
              ? null
              : ReloadingTls.watch(
                  config.tls(), ReloadingTls.Side.SERVER, ReloadingTls.DEFAULT_PERIOD);
      producer =
          new CommandSender(
              config.topics().commands(),
              config.kafkaProperties(),
              config.registry(),
              "chronomesh-ca-service-commands");
      CaCreator create =
          new CaCreator(
              () -> view.isReady() ? view.meshes() : java.util.List.of(),
              config.sealer(),
              producer,
              Clock.systemUTC());
      creator =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "ca-creator");
                t.setDaemon(true);
                return t;
              });
      creator.scheduleWithFixedDelay(create, 0, CREATE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
      Server server =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(address, config.port()),
                  tls == null ? InsecureServerCredentials.create() : tls.serverCredentials())
              .addService(
                  ServerInterceptors.intercept(
                      new CertificateAuthorityService(
                          view::mesh, config.sealer(), Clock.systemUTC()),
                      config.tls() == null
                          ? new ServerInterceptor[0]
                          : new ServerInterceptor[] {
                            new PeerComponentCheck(ControlPlaneCa.identity(ControlPlaneCa.GATEWAY))
                          }))
              .build()
              .start();
      LOG.info(
          "CA service listening host={} port={} {}",
          config.host(),
          server.getPort(),
          config.tls() == null ? "plaintext" : "mTLS");
      return new CaServer(view, producer, creator, server, tls);
    } catch (IOException e) {
      stop(view, producer, creator, null, tls);
      throw new UncheckedIOException("could not listen on " + config.host(), e);
    } catch (RuntimeException e) {
      stop(view, producer, creator, null, tls);
      throw e;
    }
  }

  private static InetAddress resolve(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host " + host, e);
    }
  }

  private static InetAddress loopback(String host) {
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host " + host, e);
    }
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "without mTLS (a certificate, its key and the control-plane CA) the CA service listens"
              + " on a loopback address only; got "
              + host);
    }
    return address;
  }

  public int port() {
    return server.getPort();
  }

  /** Ready once the events topic has been read to its end. */
  public boolean isReady() {
    return view.isReady();
  }

  @Override
  public void close() {
    stop(view, producer, creator, server, tls);
  }

  private static void stop(
      EventView view,
      CommandSender producer,
      ScheduledExecutorService creator,
      Server server,
      ReloadingTls tls) {
    if (tls != null) {
      tls.close();
    }
    if (server != null) {
      server.shutdownNow();
    }
    if (creator != null) {
      creator.shutdownNow();
      try {
        creator.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (producer != null) {
      producer.close();
    }
    view.close();
    if (server != null) {
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
