package dev.chronomesh.ca;

import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.meshidentity.MeshIdentity;
import java.util.ArrayList;
import java.util.List;

/**
 * Which CAs the CA service creates for a mesh still lack a Secret: every builtin backend's (Kuma
 * creates the CA of every builtin backend a mesh lists, enabled or not, {@code EnsureCAs}, so a
 * backend can be enabled later without waiting) and every MeshIdentity's with {@code autogenerate}
 * (Kuma's bundled provider's {@code Initialize}: Secrets {@code <name>-root-ca} and {@code
 * <name>-private-key}, an RSA 2048 key, ten years, subject {@code O=Kuma, OU=Mesh, CN=<trust
 * domain>}, URI SAN {@code spiffe://<trust domain>}). The key comes first, then the certificate
 * made from that key: two CA services racing on the same mesh agree on whichever key was stored
 * first.
 */
public final class MissingCas {
  private MissingCas() {}

  /**
   * A Secret to create next for one CA.
   *
   * @param owner what the CA is for, for logs and de-duplication: a backend's name, or {@code
   *     MeshIdentity/<name>}
   * @param commonName the CA certificate's CN and URI SAN trust domain (the mesh, or the identity's
   *     trust domain)
   */
  public record Step(
      String mesh,
      String owner,
      String certificateSecret,
      String privateKeySecret,
      String commonName,
      BuiltinCaConf conf,
      boolean keyExists) {}

  public static List<Step> of(MeshState state) {
    List<Step> steps = new ArrayList<>();
    String mesh = state.mesh();
    state
        .meshResource()
        .map(r -> ((MeshResource) r.payload()).getMtls())
        .ifPresent(
            mtls -> {
              for (MtlsBackend backend : mtls.getBackends()) {
                if ("builtin".equals(backend.getType())) {
                  step(
                      state,
                      backend.getName(),
                      CaSecrets.certificate(mesh, backend.getName()),
                      CaSecrets.privateKey(mesh, backend.getName()),
                      mesh,
                      BuiltinCaConf.parse(backend.getConfJson()),
                      steps);
                }
              }
            });
    for (Resource r : state.resources(ResourceType.MESH_IDENTITY).values()) {
      MeshIdentity identity = MeshIdentity.of(r.payload()).orElseThrow();
      if (identity.autogenerate()) {
        step(
            state,
            MeshIdentity.TYPE + "/" + identity.name(),
            identity.caCertificateSecret(),
            identity.caPrivateKeySecret(),
            identity.trustDomain(),
            BuiltinCaConf.DEFAULT,
            steps);
      }
    }
    return steps;
  }

  private static void step(
      MeshState state,
      String owner,
      String certificate,
      String privateKey,
      String commonName,
      BuiltinCaConf conf,
      List<Step> steps) {
    boolean key = has(state, privateKey);
    if (!key || !has(state, certificate)) {
      steps.add(new Step(state.mesh(), owner, certificate, privateKey, commonName, conf, key));
    }
  }

  private static boolean has(MeshState state, String secret) {
    return state.get(ResourceType.SECRET, secret).isPresent();
  }
}
