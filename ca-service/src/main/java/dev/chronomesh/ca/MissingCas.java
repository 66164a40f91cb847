package dev.chronomesh.ca;

import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import java.util.ArrayList;
import java.util.List;

/**
 * Which builtin CAs of a mesh still lack a Secret. Kuma creates the CA of every builtin backend a
 * mesh lists, enabled or not ({@code EnsureCAs}), so a backend can be enabled later without
 * waiting. The key comes first, then the certificate made from that key: two CA services racing on
 * the same mesh agree on whichever key was stored first.
 */
public final class MissingCas {
  private MissingCas() {}

  /** A Secret to create next for one backend. */
  public record Step(String mesh, String backend, BuiltinCaConf conf, boolean keyExists) {}

  public static List<Step> of(MeshState state) {
    List<Step> steps = new ArrayList<>();
    state
        .meshResource()
        .map(r -> ((MeshResource) r.payload()).getMtls())
        .ifPresent(
            mtls -> {
              for (MtlsBackend backend : mtls.getBackends()) {
                if (!"builtin".equals(backend.getType())) {
                  continue;
                }
                String mesh = state.mesh();
                boolean key = has(state, CaSecrets.privateKey(mesh, backend.getName()));
                boolean cert = has(state, CaSecrets.certificate(mesh, backend.getName()));
                if (!key || !cert) {
                  steps.add(
                      new Step(
                          mesh,
                          backend.getName(),
                          BuiltinCaConf.parse(backend.getConfJson()),
                          key));
                }
              }
            });
    return steps;
  }

  private static boolean has(MeshState state, String secret) {
    return state.get(ResourceType.SECRET, secret).isPresent();
  }
}
