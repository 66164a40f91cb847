package dev.chronomesh.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.ContainerNetwork;
import dev.chronomesh.ca.Pem;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Envoy in a Docker container on a test network, started with an {@link EnvoyBootstrap}: its
 * admin API and its outbound listeners are on the container's loopback (as with kuma-dp), so the
 * test reaches them from inside the container, as the workload beside the sidecar would.
 */
final class EnvoySidecar implements AutoCloseable {
  /** The Envoy image every Docker test runs: one place to move to a newer release. */
  static final DockerImageName IMAGE = DockerImageName.parse("envoyproxy/envoy:v1.37.2");

  private static final String BOOTSTRAP_PATH = "/etc/envoy/chronomesh-bootstrap.json";

  private final GenericContainer<?> container;
  private final Network network;

  private EnvoySidecar(GenericContainer<?> container, Network network) {
    this.container = container;
    this.network = network;
  }

  /**
   * Starts Envoy with {@code bootstrap} on {@code network} as {@code alias}; returns once its main
   * loop runs (it may not have reached the gateway yet).
   */
  @SuppressWarnings("resource") // closed by close()
  static EnvoySidecar start(Network network, String alias, Bootstrap bootstrap) {
    GenericContainer<?> container =
        new GenericContainer<>(IMAGE)
            .withNetwork(network)
            .withNetworkAliases(alias)
            .withCopyToContainer(Transferable.of(EnvoyBootstrap.json(bootstrap)), BOOTSTRAP_PATH)
            // Info: rejected config is logged (warning) and nothing of a secret's content is.
            .withCommand("envoy", "-c", BOOTSTRAP_PATH, "--concurrency", "1", "--log-level", "info")
            .withLogConsumer(
                new Slf4jLogConsumer(LoggerFactory.getLogger("envoy." + alias))
                    .withSeparateOutputStreams())
            .waitingFor(
                Wait.forLogMessage(".*starting main dispatch loop.*", 1)
                    .withStartupTimeout(Duration.ofSeconds(90)));
    container.start();
    return new EnvoySidecar(container, network);
  }

  /** The container's address on the test network: the Dataplane's {@code networking.address}. */
  String ip() {
    return ipOn(container, network);
  }

  /**
   * The address of {@code container} on {@code network} (Testcontainers also attaches containers to
   * the network of its host tunnel, so a container may have more than one).
   */
  static String ipOn(GenericContainer<?> container, Network network) {
    return container.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
        .filter(n -> network.getId().equals(n.getNetworkID()))
        .map(ContainerNetwork::getIpAddress)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("container not on the test network"));
  }

  /** {@code GET path} on Envoy's admin API (127.0.0.1:9901 inside the container): the body. */
  String admin(String path) {
    HttpReply reply = get(EnvoyBootstrap.ADMIN_PORT, "envoy-admin", path);
    if (reply.status() != 200) {
      throw new IllegalStateException("admin " + path + " answered " + reply);
    }
    return reply.body();
  }

  /**
   * One HTTP/1.1 request {@code GET path} with {@code Host: host} to {@code 127.0.0.1:port} inside
   * the container, over a new connection, as a workload beside the sidecar calls an outbound
   * listener. The Envoy image has no curl, so bash's {@code /dev/tcp} speaks it.
   */
  HttpReply get(int port, String host, String path) {
    String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    try {
      Container.ExecResult result =
          container.execInContainer(
              "bash",
              "-c",
              "exec 3<>/dev/tcp/127.0.0.1/"
                  + port
                  + " && printf '%s' \"$1\" >&3 && timeout 10 cat <&3",
              "request",
              request);
      return HttpReply.parse(result.getStdout(), result.getStderr());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Envoy's counters whose name matches {@code regex} (letters, digits, dots and underscores only:
   * it goes into the URL as it is), by name.
   */
  Map<String, Long> counters(String regex) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String line : admin("/stats?filter=" + regex).split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon > 0) {
        try {
          out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).strip()));
        } catch (NumberFormatException histogram) {
          // a histogram's summary, not a counter
        }
      }
    }
    return out;
  }

  /** The name of a stat of the listener on this container's address and {@code port}. */
  String listenerStat(int port, String stat) {
    return "listener." + ip() + "_" + port + "." + stat;
  }

  /** A certificate Envoy holds (admin {@code /certs}): its serial number and URI SANs. */
  record HeldCertificate(String serial, List<String> uris) {}

  /** The certificates Envoy holds now, in every TLS context, CA certificates aside. */
  List<HeldCertificate> certificates() {
    List<HeldCertificate> out = new ArrayList<>();
    try {
      JsonNode certs = new ObjectMapper().readTree(admin("/certs"));
      for (JsonNode context : certs.path("certificates")) {
        for (JsonNode cert : context.path("cert_chain")) {
          List<String> uris = new ArrayList<>();
          for (JsonNode san : cert.path("subject_alt_names")) {
            if (san.has("uri")) {
              uris.add(san.get("uri").asText());
            }
          }
          out.add(new HeldCertificate(cert.path("serial_number").asText(), uris));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * The certificate of the SDS secret {@code identity_cert:secret:<mesh>} Envoy uses now (its admin
   * {@code config_dump}, which shows certificates and redacts keys); null before it has one.
   */
  X509Certificate identity(String mesh) {
    String name = "identity_cert:secret:" + mesh;
    try {
      JsonNode dump =
          new ObjectMapper().readTree(admin("/config_dump?resource=dynamic_active_secrets"));
      for (JsonNode secret : dump.findParents("tls_certificate")) {
        if (name.equals(secret.path("name").asText())) {
          JsonNode chain = secret.path("tls_certificate").path("certificate_chain");
          String pem =
              chain.has("inline_bytes")
                  ? new String(
                      Base64.getDecoder().decode(chain.get("inline_bytes").asText()),
                      StandardCharsets.US_ASCII)
                  : chain.path("inline_string").asText();
          return Pem.certificates(pem).get(0);
        }
      }
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What Envoy holds and counts, for a failure message; never throws. */
  String diagnostics() {
    try {
      return "envoy at "
          + ip()
          + ": stats\n"
          + admin("/stats?filter=ssl")
          + admin("/stats?filter=rbac")
          + admin("/stats?filter=update_")
          + "config "
          + admin("/config_dump?include_eds");
    } catch (RuntimeException e) {
      return "envoy diagnostics unavailable (" + e + "); its log:\n" + container.getLogs();
    }
  }

  @Override
  public void close() {
    container.stop();
  }

  /**
   * An HTTP/1.1 response as read off the wire, its body de-chunked; {@code status} -1 when there
   * was none ({@code error} says why). Envoy's admin API answers in chunks.
   */
  record HttpReply(int status, String head, String body, String error) {
    static HttpReply parse(String raw, String error) {
      int end = raw.indexOf("\r\n\r\n");
      if (!raw.startsWith("HTTP/1.") || raw.length() < 12 || end < 0) {
        return new HttpReply(-1, raw, "", error);
      }
      String head = raw.substring(0, end);
      String body = raw.substring(end + 4);
      if (head.toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new HttpReply(Integer.parseInt(raw.substring(9, 12)), head, body, error);
    }

    /**
     * The data of a chunked body (RFC 9112 section 7.1). Chunk sizes count bytes and this counts
     * characters: every body read here is ASCII (stats, JSON, PEM in base64, echoed headers).
     */
    private static String dechunk(String chunked) {
      StringBuilder data = new StringBuilder();
      int at = 0;
      while (true) {
        int eol = chunked.indexOf("\r\n", at);
        if (eol < 0) {
          throw new IllegalStateException("chunked body cut short after " + data.length());
        }
        String size = chunked.substring(at, eol);
        int extension = size.indexOf(';');
        int length =
            Integer.parseInt((extension < 0 ? size : size.substring(0, extension)).strip(), 16);
        if (length == 0) {
          return data.toString();
        }
        data.append(chunked, eol + 2, eol + 2 + length);
        at = eol + 2 + length + 2;
      }
    }
  }
}
