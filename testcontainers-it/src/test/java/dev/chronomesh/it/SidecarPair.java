package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;

/**
 * Web and backend of one mTLS mesh as two real Envoy sidecars in Docker, registered with the stack,
 * with backend's application. The layout is Kuma's universal mode without transparent proxying:
 *
 * <ul>
 *   <li>each Envoy is a container on one Docker network; its address there is its Dataplane's
 *       {@code networking.address}, where its inbound listens (port 8080) and where the other
 *       Envoy's endpoints point;
 *   <li>its admin API and web's outbound listener for backend (port 10001) are on the container's
 *       loopback, called from inside the container as the workload beside the sidecar would;
 *   <li>backend's application is {@code traefik/whoami} (it echoes each request, so a test sees the
 *       {@code x-forwarded-client-cert} backend's Envoy set), in its own container on the network:
 *       the inbound's {@code serviceAddress};
 *   <li>the Envoys reach the gateway's xDS port (TLS, verified against the control-plane CA) on the
 *       host's loopback through Testcontainers' tunnel; web speaks delta ADS, backend state of the
 *       world; each presents a dataplane token restricted to its service.
 * </ul>
 *
 * <p>Each Envoy starts before its Dataplane exists, since the Dataplane's address is the
 * container's, known once it runs: the gateway refuses the stream until the Dataplane is registered
 * (the token's {@code kuma.io/service} is checked against the Dataplane's tags) and Envoy retries
 * every 0.25–2 s (its bootstrap's retry policy).
 */
final class SidecarPair implements AutoCloseable {
  static final int INBOUND_PORT = 8080;
  static final int APP_PORT = 8080;
  static final int OUTBOUND_PORT = 10001;
  static final DockerImageName APP = DockerImageName.parse("traefik/whoami:v1.11.0");

  final String mesh;
  final Network network;
  final GenericContainer<?> app;
  final EnvoySidecar backend;
  final EnvoySidecar web;

  private SidecarPair(
      String mesh,
      Network network,
      GenericContainer<?> app,
      EnvoySidecar backend,
      EnvoySidecar web) {
    this.mesh = mesh;
    this.network = network;
    this.app = app;
    this.backend = backend;
    this.web = web;
  }

  /**
   * Starts backend's application and both Envoys on {@code network} and registers the Dataplanes
   * {@code backend-1} and {@code web-1} of {@code mesh} (which exists, with mTLS); returns without
   * waiting for traffic to flow.
   */
  @SuppressWarnings("resource") // every container is closed by close(), or here on a failure
  static SidecarPair start(
      Rest admin, Network network, EnvoyBootstrap.Gateway gateway, String mesh) {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      GenericContainer<?> app =
          new GenericContainer<>(APP).withNetwork(network).withCommand("--port=" + APP_PORT);
      started.push(app);
      app.start();

      EnvoySidecar backend = sidecar(admin, network, gateway, mesh, "backend", false);
      started.push(backend);
      put(
          admin,
          "/meshes/" + mesh + "/dataplanes/backend-1",
          """
          type: Dataplane
          mesh: %s
          name: backend-1
          networking:
            address: %s
            inbound:
            - port: %d
              serviceAddress: %s
              servicePort: %d
              tags: {kuma.io/service: backend, kuma.io/protocol: http}
          """
              .formatted(
                  mesh, backend.ip(), INBOUND_PORT, EnvoySidecar.ipOn(app, network), APP_PORT));

      EnvoySidecar web = sidecar(admin, network, gateway, mesh, "web", true);
      started.push(web);
      // Web's inbound gives it its identity (spiffe://<mesh>/web); nothing calls it.
      put(
          admin,
          "/meshes/" + mesh + "/dataplanes/web-1",
          """
          type: Dataplane
          mesh: %s
          name: web-1
          networking:
            address: %s
            inbound:
            - port: %d
              servicePort: %d
              tags: {kuma.io/service: web, kuma.io/protocol: http}
            outbound:
            - port: %d
              tags: {kuma.io/service: backend}
          """
              .formatted(mesh, web.ip(), INBOUND_PORT, APP_PORT + 1, OUTBOUND_PORT));
      return new SidecarPair(mesh, network, app, backend, web);
    } catch (RuntimeException e) {
      EnvoyTestbed.closeAll(started);
      throw e;
    }
  }

  /**
   * Starts the Envoy of Dataplane {@code <service>-1} of {@code mesh} with a dataplane token
   * restricted to {@code kuma.io/service: <service>}; {@code delta} picks incremental ADS.
   */
  private static EnvoySidecar sidecar(
      Rest admin,
      Network network,
      EnvoyBootstrap.Gateway gateway,
      String mesh,
      String service,
      boolean delta) {
    String dataplane = service + "-1";
    String token = XdsClients.dataplaneToken(admin, mesh, dataplane, service);
    return EnvoySidecar.start(
        network,
        mesh + "-" + service,
        EnvoyBootstrap.of(mesh + "." + dataplane, service, token, delta, gateway));
  }

  /** One call from web's workload through web's outbound listener for backend. */
  EnvoySidecar.HttpReply callBackend() {
    return web.get(OUTBOUND_PORT, "backend", "/");
  }

  /** Backend's inbound, {@code address:port}, as the network reaches it. */
  String backendInbound() {
    return backend.ip() + ":" + INBOUND_PORT;
  }

  /** Backend's application, {@code address:port}, as the network reaches it (no Envoy between). */
  String appAddress() {
    return EnvoySidecar.ipOn(app, network) + ":" + APP_PORT;
  }

  /** Both Envoys' stats and config, for a failure message. */
  String diagnostics() {
    return "web: " + web.diagnostics() + "\nbackend: " + backend.diagnostics();
  }

  @Override
  public void close() {
    Deque<AutoCloseable> all = new ArrayDeque<>();
    all.push(app);
    all.push(backend);
    all.push(web);
    EnvoyTestbed.closeAll(all);
  }

  private static void put(Rest admin, String path, String yaml) {
    assertThat(admin.putYaml(path, yaml).statusCode()).as(path).isEqualTo(201);
  }
}
