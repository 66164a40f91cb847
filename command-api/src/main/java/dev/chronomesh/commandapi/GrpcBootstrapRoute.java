package dev.chronomesh.commandapi;

import dev.chronomesh.commandapi.auth.Principal;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.ProxylessBootstrap;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceIdentity;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.view.EventView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /meshes/{mesh}/dataplanes/{name}/_grpc-bootstrap}: the complete grpc-xds bootstrap of
 * a proxyless Dataplane ({@link ProxylessBootstrap}), usable unedited: this API's xDS gateway
 * unless {@code xdsAddress} names another, the dataplane token in {@code tokenFile} over TLS
 * verified against {@code caFile} (default: the CA the gateway's starter named), and in a mesh with
 * mTLS the certificate provider over {@code certDir}, where {@code dp-agent} writes. The paths are
 * the workload's; nothing secret is in the answer. Who may issue the dataplane's token may ask for
 * it.
 */
final class GrpcBootstrapRoute {
  static final String PATH = "/meshes/{mesh}/dataplanes/{name}/_grpc-bootstrap";

  static final String TOKEN_FILE = "tokenFile";
  static final String CA_FILE = "caFile";
  static final String CERT_DIR = "certDir";
  static final String XDS_ADDRESS = "xdsAddress";
  private static final Set<String> PARAMETERS = Set.of(TOKEN_FILE, CA_FILE, CERT_DIR, XDS_ADDRESS);

  private static final int MAX_PATH_LENGTH = 4096;

  /** host:port, the host a DNS name, an IPv4 address or a bracketed IPv6 address. */
  private static final Pattern ADDRESS =
      Pattern.compile(
          "(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([0-9]{1,5})");

  private final EventView view;
  private final XdsGatewayEndpoint gateway;

  /** {@code gateway} null: callers name it with {@code xdsAddress} and {@code caFile}. */
  GrpcBootstrapRoute(EventView view, XdsGatewayEndpoint gateway) {
    this.view = view;
    this.gateway = gateway;
  }

  void register(Javalin app) {
    app.get(PATH, this::bootstrap);
  }

  private void bootstrap(Context ctx) {
    String mesh = ctx.pathParam("mesh");
    String name = ctx.pathParam("name");
    Principal p = Requests.principal(ctx);
    if (!p.canWrite(mesh, false)) {
      throw new ApiProblem(
          403,
          p.name()
              + " ("
              + p.role()
              + ") may not generate bootstraps of mesh \""
              + mesh
              + "\": it needs admin or an editor of the mesh, as its dataplane tokens");
    }
    Map<String, String> query = new TreeMap<>();
    List<Violation> violations = new ArrayList<>();
    ctx.queryParamMap()
        .forEach(
            (key, values) -> {
              if (values.size() > 1) {
                violations.add(new Violation(key, "must be given once"));
              }
              query.put(key, values.isEmpty() ? "" : values.get(0));
            });
    String meshProblem = ResourceIdentity.nameProblem(mesh);
    String nameProblem = ResourceIdentity.nameProblem(name);
    if (meshProblem != null || nameProblem != null) {
      if (meshProblem != null) {
        violations.add(new Violation("mesh", meshProblem));
      }
      if (nameProblem != null) {
        violations.add(new Violation("name", nameProblem));
      }
      throw invalid(violations);
    }
    MeshState state = view.mesh(mesh);
    MeshResource meshResource = Lookups.mesh(state, mesh);
    Resource dp = Lookups.dataplane(state, mesh, name);
    Result result =
        bootstrap(mesh, name, query, meshResource, (DataplaneResource) dp.payload(), gateway);
    violations.addAll(result.violations());
    if (!violations.isEmpty()) {
      throw invalid(violations);
    }
    ctx.status(200)
        .contentType("application/json")
        .result(ProxylessBootstrap.toJson(result.bootstrap()));
  }

  private static ApiProblem invalid(List<Violation> violations) {
    return new ApiProblem(400, "cannot generate the grpc-xds bootstrap", violations);
  }

  /** A bootstrap, or every reason there is none (each with the parameter it is about). */
  record Result(Map<String, Object> bootstrap, List<Violation> violations) {
    Result {
      violations = List.copyOf(violations);
      if ((bootstrap == null) == violations.isEmpty()) {
        throw new IllegalArgumentException("a bootstrap or violations, not both");
      }
    }
  }

  /**
   * The bootstrap of {@code dataplane} (named {@code name}) in {@code mesh} from the query
   * parameters: a pure function, every problem collected.
   *
   * @param gateway what this API knows of the gateway, or null
   */
  static Result bootstrap(
      String mesh,
      String name,
      Map<String, String> query,
      MeshResource meshResource,
      DataplaneResource dataplane,
      XdsGatewayEndpoint gateway) {
    List<Violation> violations = new ArrayList<>();
    for (String key : query.keySet()) {
      if (!PARAMETERS.contains(key)) {
        violations.add(
            new Violation(
                key,
                "unknown parameter: use "
                    + TOKEN_FILE
                    + ", "
                    + CA_FILE
                    + ", "
                    + CERT_DIR
                    + " or "
                    + XDS_ADDRESS));
      }
    }
    Path tokenFile = path(query, TOKEN_FILE, true, violations);
    Path caFile = path(query, CA_FILE, false, violations);
    Path certDir = path(query, CERT_DIR, false, violations);

    String address = query.get(XDS_ADDRESS);
    if (address != null) {
      String problem = addressProblem(address);
      if (problem != null) {
        violations.add(new Violation(XDS_ADDRESS, problem));
      }
    } else if (gateway != null) {
      address = gateway.address();
    } else {
      violations.add(
          new Violation(
              XDS_ADDRESS,
              "is required: this API was not told where the xDS gateway is (host:port)"));
    }
    // The gateway this API knows: its CA by default, or plaintext when it serves plaintext.
    boolean knownGateway = gateway != null && gateway.address().equals(address);
    if (caFile == null && query.get(CA_FILE) == null) {
      if (knownGateway) {
        caFile = gateway.caFile();
      } else if (address != null) {
        violations.add(
            new Violation(
                CA_FILE,
                "is required for a gateway this API does not know: the PEM that verifies its TLS"
                    + " certificate (the control-plane CA)"));
      }
    }
    if (MeshMtls.enabled(meshResource) && certDir == null && query.get(CERT_DIR) == null) {
      violations.add(
          new Violation(
              CERT_DIR,
              "is required: mesh \""
                  + mesh
                  + "\" has mTLS, and grpc-xds reads the workload's certificate from the"
                  + " directory dp-agent --dir writes"));
    }
    if (!KumaTags.isProxyless(dataplane.getLabels())) {
      violations.add(
          new Violation(
              "labels[\"" + KumaTags.PROXY_TYPE_LABEL + "\"]",
              "Dataplane \""
                  + name
                  + "\" is an Envoy sidecar: add the label "
                  + KumaTags.PROXY_TYPE_LABEL
                  + ": "
                  + KumaTags.PROXYLESS
                  + " for a proxyless gRPC client"));
    }
    if (!violations.isEmpty()) {
      return new Result(null, violations);
    }
    return new Result(
        ProxylessBootstrap.of(
            address,
            mesh,
            name,
            ProxylessBootstrap.Credentials.dataplaneToken(tokenFile, caFile),
            certDir),
        List.of());
  }

  /** The parameter as an absolute path; null when absent or invalid (then a violation). */
  private static Path path(
      Map<String, String> query, String key, boolean required, List<Violation> violations) {
    String value = query.get(key);
    if (value == null) {
      if (required) {
        violations.add(
            new Violation(key, "is required: an absolute path on the workload's machine"));
      }
      return null;
    }
    // A trailing slash of a directory is harmless; '.', '..' and empty segments are not accepted,
    // so the bootstrap names exactly the file the operator meant.
    String trimmed = value.length() > 1 ? value.replaceAll("/+$", "") : value;
    String problem = null;
    if (value.length() > MAX_PATH_LENGTH) {
      problem = "must be at most " + MAX_PATH_LENGTH + " characters";
    } else if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      problem = "must not contain control characters";
    } else if (!value.startsWith("/")) {
      problem = "must be an absolute path on the workload's machine, e.g. /etc/chronomesh/web-1";
    } else if (!Path.of(trimmed).normalize().toString().equals(trimmed)) {
      problem = "must be normalized: no '.', '..' or empty segments";
    }
    if (problem != null) {
      violations.add(new Violation(key, problem));
      return null;
    }
    return Path.of(trimmed);
  }

  private static String addressProblem(String address) {
    Matcher m = ADDRESS.matcher(address);
    if (!m.matches()) {
      return "must be host:port, e.g. xds.example.com:5678 or [::1]:5678";
    }
    int port = Integer.parseInt(m.group(3));
    if (port < 1 || port > 65535) {
      return "port must be 1-65535";
    }
    return null;
  }
}
