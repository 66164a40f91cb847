package dev.chronomesh.xds.bootstrap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.net.HostAndPort;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import dev.chronomesh.meshmodel.envoy.EnvoyValidateRules;
import dev.chronomesh.xds.auth.DataplaneAuthenticator;
import dev.chronomesh.xds.auth.MeshKeys;
import dev.chronomesh.xds.lifecycle.CarriedDataplane;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers kuma-dp's {@code POST /bootstrap} as kuma-cp 2.14 does ({@code pkg/xds/bootstrap} handler
 * and generator): the Envoy bootstrap, base64 in {@code bootstrap}, and the {@code
 * kumaSidecarConfiguration} kuma-dp reads. The status codes are Kuma's, because kuma-dp acts on
 * them: 404 with an empty body means "the Dataplane does not exist yet" (kuma-dp retries), any
 * other 4xx is an invalid request whose body kuma-dp prints and does not retry.
 *
 * <p>Beyond kuma-cp, the dataplane token is verified here (signature, validity, name, tags) rather
 * than only required, so a wrong token fails at once with its reason instead of as a refused ADS
 * stream later. Nothing is written: a Dataplane kuma-dp carries is registered when its Envoy's ADS
 * stream connects.
 */
public final class BootstrapHandler {
  private static final Logger LOG = LoggerFactory.getLogger(BootstrapHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Kuma's header naming the bootstrap's version. */
  public static final String VERSION_HEADER = "kuma-bootstrap-version";

  /** What the HTTP layer sends back. */
  public record Answer(int status, String contentType, byte[] body) {
    static Answer text(int status, String message) {
      return new Answer(
          status, "text/plain; charset=utf-8", message.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final MeshKeys state;
  private final DataplaneAuthenticator authenticator;
  private final Supplier<String> gatewayCa;
  private final IntSupplier publicPort;
  private final boolean hds;
  private final java.util.function.BooleanSupplier stateReady;

  /**
   * @param state what the events topic says (meshes, dataplanes, token keys)
   * @param authenticator checks tokens; null when the gateway requires none
   * @param gatewayCa the control-plane CA's PEM the gateway's certificate chains to, read when
   *     asked; null when the gateway serves plaintext, or returns null when it is not known
   * @param publicPort the gateway's port, for the ADS cluster when the request names none
   * @param hds whether the gateway serves HDS (the bootstrap then points Envoy at it)
   * @param stateReady whether {@code state} has caught up with the events topic (until then every
   *     request answers 503, which kuma-dp retries)
   */
  public BootstrapHandler(
      MeshKeys state,
      DataplaneAuthenticator authenticator,
      Supplier<String> gatewayCa,
      IntSupplier publicPort,
      boolean hds,
      java.util.function.BooleanSupplier stateReady) {
    this.state = Objects.requireNonNull(state, "state");
    this.stateReady = Objects.requireNonNull(stateReady, "stateReady");
    this.authenticator = authenticator;
    this.gatewayCa = gatewayCa;
    this.publicPort = Objects.requireNonNull(publicPort, "publicPort");
    this.hds = hds;
  }

  /**
   * Answers one request.
   *
   * @param body the request body
   * @param host the {@code Host} header ({@code host[:port]}), or null
   * @param acceptJson whether the client accepts {@code application/json} (kuma-dp 2.x does); else
   *     the bare YAML bootstrap, as kuma-cp answers older clients
   */
  public Answer answer(byte[] body, String host, boolean acceptJson) {
    if (!stateReady.getAsBoolean()) {
      // kuma-dp retries a 5xx (not a 4xx other than 404): the meshes, keys and dataplanes are
      // still being read, so a refusal now could be wrong.
      return Answer.text(503, "the gateway is still reading the meshes and dataplanes; retry");
    }
    BootstrapRequest request;
    try {
      request = BootstrapRequest.parse(body);
    } catch (ValidationException e) {
      return Answer.text(400, "the bootstrap request is invalid: " + describe(e.violations()));
    }
    if (authenticator != null && request.dataplaneToken().isEmpty()) {
      return Answer.text(
          422,
          "Dataplane Token is required. Generate one with 'chronoctl generate dataplane-token"
              + " --mesh "
              + request.mesh()
              + " --name "
              + request.name()
              + " > /path/file' and give it to kuma-dp with --dataplane-token-file=/path/file");
    }
    DataplaneResource dataplane;
    boolean carried = request.dataplaneResource() != null;
    if (carried) {
      try {
        dataplane = carriedDataplane(request);
      } catch (ValidationException e) {
        return Answer.text(422, "dataplaneResource is invalid: " + describe(e.violations()));
      }
      if (!state.meshExists(request.mesh())) {
        return Answer.text(
            422,
            "mesh \""
                + request.mesh()
                + "\" does not exist: create it before a dataplane of it connects");
      }
    } else {
      Optional<DataplaneResource> registered =
          state.registered(request.mesh(), request.name()).map(MeshKeys.Registered::resource);
      if (registered.isEmpty()) {
        // Kuma's "not found": kuma-dp says the Dataplane does not exist yet and retries.
        return new Answer(404, "text/plain; charset=utf-8", new byte[0]);
      }
      dataplane = registered.get();
    }
    if (KumaTags.isProxyless(dataplane.getLabels())) {
      return Answer.text(
          422,
          "dataplane "
              + request.nodeId()
              + " is labelled "
              + KumaTags.PROXY_TYPE_LABEL
              + ": "
              + KumaTags.PROXYLESS
              + ", a proxyless gRPC client; kuma-dp runs an Envoy sidecar: remove the label");
    }
    if (authenticator != null) {
      try {
        authenticator.authenticate(
            request.dataplaneToken(),
            request.nodeId(),
            carried ? MeshKeys.tagsOf(dataplane) : null);
      } catch (DataplaneAuthenticator.Refused e) {
        return Answer.text(403, e.getMessage());
      }
    }
    HostAndPort cp;
    try {
      cp =
          HostAndPort.fromString(host == null || host.isBlank() ? "localhost" : host.strip())
              .withDefaultPort(publicPort.getAsInt());
    } catch (IllegalArgumentException e) {
      return Answer.text(400, "the Host header is not host[:port]: " + e.getMessage());
    }
    if (!cp.getHost().matches("[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")) {
      return Answer.text(400, "the Host header is not a host name or IP address");
    }
    String caPem = request.caCert().isBlank() ? null : request.caCert();
    if (gatewayCa != null && caPem == null) {
      caPem = gatewayCa.get();
      if (caPem == null) {
        return Answer.text(
            422,
            "this gateway does not know the CA its certificate chains to: give kuma-dp the"
                + " control-plane CA with --ca-cert-file");
      }
    }
    EnvoyBootstraps.Params params =
        new EnvoyBootstraps.Params(
            service(dataplane),
            cp.getHost(),
            cp.getPort(),
            gatewayCa == null ? null : caPem,
            dataplane.getAdminPort() != null
                ? dataplane.getAdminPort()
                : EnvoyBootstraps.DEFAULT_ADMIN_PORT,
            hds);
    Bootstrap bootstrap = EnvoyBootstraps.generate(request, params);
    List<EnvoyValidateRules.Violation> broken =
        EnvoyValidateRules.check(bootstrap, EnvoyJson.registryOf(bootstrap));
    if (!broken.isEmpty()) {
      LOG.error(
          "Generated an invalid Envoy bootstrap node={} violations={}", request.nodeId(), broken);
      return Answer.text(500, "the generated Envoy bootstrap is invalid: " + broken);
    }
    byte[] yaml = EnvoyJson.toJson(bootstrap).toPrettyString().getBytes(StandardCharsets.UTF_8);
    LOG.info(
        "Bootstrap served node={} xds={}:{} delta={} carriedDataplane={}",
        request.nodeId(),
        cp.getHost(),
        cp.getPort(),
        request.delta(),
        carried);
    if (!acceptJson) {
      return new Answer(200, "text/x-yaml", yaml);
    }
    ObjectNode response = JSON.createObjectNode();
    // Go's encoding/json writes []byte as base64: kuma-dp decodes it so.
    response.put("bootstrap", Base64.getEncoder().encodeToString(yaml));
    ObjectNode sidecar = response.putObject("kumaSidecarConfiguration");
    ObjectNode networking = sidecar.putObject("networking");
    networking.putNull("corefileTemplate");
    networking.put("address", dataplane.getAddress());
    sidecar.putObject("metrics").putArray("aggregate");
    return new Answer(
        200, "application/json", response.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The Dataplane kuma-dp carries, validated as a PUT of it would be. */
  private static DataplaneResource carriedDataplane(BootstrapRequest request)
      throws ValidationException {
    return CarriedDataplane.parse(request.dataplaneResource(), request.mesh(), request.name());
  }

  /** Kuma's identifying name: the first inbound's (or the gateway's) {@code kuma.io/service}. */
  static String service(DataplaneResource dataplane) {
    for (Inbound inbound : dataplane.getInbound()) {
      String service = inbound.getTags().get(KumaTags.SERVICE);
      if (service != null) {
        return service;
      }
    }
    if (dataplane.getGateway() != null) {
      String service = dataplane.getGateway().getTags().get(KumaTags.SERVICE);
      if (service != null) {
        return service;
      }
    }
    return dataplane.getName();
  }

  private static String describe(List<Violation> violations) {
    return violations.stream()
        .map(v -> v.field().isEmpty() ? v.reason() : v.field() + ": " + v.reason())
        .collect(Collectors.joining("; "));
  }
}
