package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.events.avro.SecretResource;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.meshmodel.view.EventView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /meshes/{mesh}/ca}: the certificates a mesh's workloads trust, PEM: the enabled
 * backend's CA first, then every other backend's CA that exists (they stay trusted while
 * certificates roll from one to the other). Public material, shown to every authenticated reader;
 * the CA's private key is never shown.
 */
final class MeshCaRoute {
  static final String PATH = "/meshes/{mesh}/ca";

  private final EventView view;
  private final Sealer sealer;

  MeshCaRoute(EventView view, Sealer sealer) {
    this.view = view;
    this.sealer = sealer;
  }

  void register(Javalin app) {
    app.get(PATH, this::ca);
  }

  private void ca(Context ctx) {
    String mesh = ctx.pathParam("mesh");
    MeshState state = view.mesh(mesh);
    MeshResource resource =
        (MeshResource)
            state
                .meshResource()
                .orElseThrow(() -> new ApiProblem(404, "Mesh \"" + mesh + "\" not found"))
                .payload();
    Mtls mtls = resource.getMtls();
    if (mtls == null || mtls.getEnabledBackend() == null) {
      throw new ApiProblem(404, "Mesh \"" + mesh + "\" has no mTLS backend enabled");
    }
    List<String> order = new ArrayList<>();
    order.add(mtls.getEnabledBackend());
    mtls.getBackends().stream()
        .map(MtlsBackend::getName)
        .filter(b -> !b.equals(mtls.getEnabledBackend()))
        .forEach(order::add);
    String enabled = certificate(state, mtls.getEnabledBackend());
    if (enabled == null) {
      throw new ApiProblem(
          503,
          "the CA of backend \""
              + mtls.getEnabledBackend()
              + "\" of mesh \""
              + mesh
              + "\" has not been created yet (the CA service creates it)",
          List.of(),
          Map.of("Retry-After", "1"));
    }
    StringBuilder pem = new StringBuilder(enabled);
    for (String backend : order.subList(1, order.size())) {
      String other = certificate(state, backend);
      if (other != null) {
        pem.append(other);
      }
    }
    ctx.status(200).contentType("application/x-pem-file").result(pem.toString());
  }

  private String certificate(MeshState state, String backend) {
    return state
        .get(ResourceType.SECRET, CaSecrets.certificate(state.mesh(), backend))
        .map(r -> (SecretResource) r.payload())
        .map(s -> new String(sealer.open(s.getData()), StandardCharsets.UTF_8))
        .orElse(null);
  }
}
