package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.Mtls;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshMtls;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.meshmodel.meshidentity.MeshIdentity;
import dev.chronomesh.meshmodel.meshtrust.MeshTrust;
import dev.chronomesh.meshmodel.view.EventView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /meshes/{mesh}/ca}: the certificates a mesh's workloads trust, PEM: the enabled
 * backend's CA first, then every other backend's CA that exists (they stay trusted while
 * certificates roll from one to the other), then the CAs of the mesh's MeshIdentities that create
 * its trust, then those of its MeshTrusts, by name: the bundle the CA service gives the workloads.
 * Public material, shown to every authenticated reader; the CA's private key is never shown.
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
    MeshResource resource = Lookups.mesh(state, mesh);
    Mtls mtls = resource.getMtls();
    if (mtls == null || mtls.getEnabledBackend() == null) {
      throw new ApiProblem(404, "Mesh \"" + mesh + "\" has no mTLS backend enabled");
    }
    MtlsBackend enabled = MeshMtls.enabledBackend(mtls).orElse(null);
    String enabledPem =
        enabled == null ? null : CaSecrets.certificatePem(state, enabled, sealer).orElse(null);
    if (enabledPem == null) {
      throw new ApiProblem(
          503,
          "the CA of backend \""
              + mtls.getEnabledBackend()
              + "\" of mesh \""
              + mesh
              + "\" does not exist yet (the CA service creates a builtin one)",
          List.of(),
          Map.of("Retry-After", "1"));
    }
    StringBuilder pem = new StringBuilder(enabledPem);
    for (MtlsBackend backend : mtls.getBackends()) {
      if (backend != enabled) {
        CaSecrets.certificatePem(state, backend, sealer).ifPresent(pem::append);
      }
    }
    for (Resource r : state.resources(ResourceType.MESH_IDENTITY).values()) {
      MeshIdentity identity = MeshIdentity.of(r.payload()).orElseThrow();
      if (identity.meshTrustCreation()) {
        CaSecrets.secretText(state, identity.caCertificateSecret(), sealer)
            .ifPresent(cert -> pem.append(cert.endsWith("\n") ? cert : cert + "\n"));
      }
    }
    for (Resource trust : state.resources(ResourceType.MESH_TRUST).values()) {
      for (String bundle : MeshTrust.of(trust.payload()).orElseThrow().caBundles()) {
        pem.append(bundle.endsWith("\n") ? bundle : bundle + "\n");
      }
    }
    ctx.status(200).contentType("application/x-pem-file").result(pem.toString());
  }
}
