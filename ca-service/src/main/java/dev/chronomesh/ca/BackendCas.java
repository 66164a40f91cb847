package dev.chronomesh.ca;

import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.meshmodel.CaSecrets;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Sealer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.util.List;
import java.util.Optional;

/**
 * The CA of one mTLS backend of a mesh, from the mesh's state ({@link CaSecrets}): a builtin
 * backend's two Secrets (created by {@link CaCreator}); a provided backend's {@code conf.cert} and
 * {@code conf.key} (the Mesh's validator refuses an inline key, which would be stored in clear). A
 * PEM may hold a chain: the first certificate signs, all of them are trusted.
 */
final class BackendCas {
  private BackendCas() {}

  /** A backend's signing CA with every certificate it brings, or why it has none. */
  record Loaded(CaKeyPair ca, List<X509Certificate> certificates, String problem) {
    static Loaded problem(String why) {
      return new Loaded(null, List.of(), why);
    }
  }

  /** The backend's CA certificates alone (its key untouched); empty when missing or unreadable. */
  static List<X509Certificate> certificates(MeshState state, MtlsBackend backend, Sealer sealer) {
    Optional<String> cert = CaSecrets.certificatePem(state, backend, sealer);
    if (cert.isEmpty()) {
      return List.of();
    }
    try {
      return Pem.certificates(cert.get());
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  static Loaded load(MeshState state, MtlsBackend backend, Sealer sealer) {
    String where = "the CA of backend \"" + backend.getName() + "\" of mesh \"" + state.mesh();
    Optional<String> cert = CaSecrets.certificatePem(state, backend, sealer);
    Optional<String> key = CaSecrets.privateKeyPem(state, backend, sealer);
    if (cert.isEmpty() || key.isEmpty()) {
      return Loaded.problem(
          "builtin".equals(backend.getType())
              ? where + "\" has not been created yet"
              : where + "\": its certificate or key Secret does not exist");
    }
    return pair(where + "\"", cert.get(), key.get());
  }

  /**
   * A CA from its certificate (maybe a chain: the first signs) and key, PEM; or why not, after
   * {@code where}.
   */
  static Loaded pair(String where, String certPem, String keyPem) {
    List<X509Certificate> certs;
    PrivateKey privateKey;
    try {
      certs = Pem.certificates(certPem);
      privateKey = Pem.privateKey(keyPem);
    } catch (IllegalArgumentException e) {
      return Loaded.problem(where + ": " + e.getMessage());
    }
    if (!matches(privateKey, certs.get(0).getPublicKey())) {
      return Loaded.problem(where + ": the key is not the certificate's key");
    }
    return new Loaded(new CaKeyPair(certs.get(0), privateKey), certs, null);
  }

  /** Whether {@code key} signs what {@code publicKey} verifies. */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    String algorithm = key instanceof ECKey ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "chronomesh-ca-key-check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
