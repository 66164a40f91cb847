package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.events.avro.MtlsBackend;
import dev.chronomesh.events.avro.SecretResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Where a mesh's CA lives. A builtin backend's in the Secrets Kuma names ({@code
 * pkg/core/resources/apis/system/constants.go, pkg/plugins/ca/builtin/manager.go}): {@code
 * <mesh>.ca-builtin-cert-<backend>} (the certificate, PEM) and {@code
 * <mesh>.ca-builtin-key-<backend>} (the private key, PEM, sealed like every Secret's data); the
 * key's value is never shown by the API, to anyone: it exists only sealed and in the CA service's
 * memory. A provided backend's where its {@code conf.cert} and {@code conf.key} data sources say (a
 * Secret, or for the certificate {@code inline} base64 or an {@code inlineString}).
 */
public final class CaSecrets {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CaSecrets() {}

  public static String certificate(String mesh, String backend) {
    return mesh + ".ca-builtin-cert-" + backend;
  }

  public static String privateKey(String mesh, String backend) {
    return mesh + ".ca-builtin-key-" + backend;
  }

  /** Whether {@code name} is the private key of a builtin CA of {@code mesh}. */
  public static boolean isPrivateKey(String mesh, String name) {
    return name.startsWith(mesh + ".ca-builtin-key-");
  }

  /** The backend's CA certificate (PEM, maybe a chain), when it exists. */
  public static Optional<String> certificatePem(
      MeshState state, MtlsBackend backend, Sealer sealer) {
    return "builtin".equals(backend.getType())
        ? secret(state, certificate(state.mesh(), backend.getName()), sealer)
        : source(state, conf(backend).path("cert"), sealer);
  }

  /** The backend's CA private key (PEM), when it exists. */
  public static Optional<String> privateKeyPem(
      MeshState state, MtlsBackend backend, Sealer sealer) {
    return "builtin".equals(backend.getType())
        ? secret(state, privateKey(state.mesh(), backend.getName()), sealer)
        : source(state, conf(backend).path("key"), sealer);
  }

  private static JsonNode conf(MtlsBackend backend) {
    try {
      return backend.getConfJson() == null
          ? JSON.createObjectNode()
          : JSON.readTree(backend.getConfJson());
    } catch (IOException e) {
      throw new UncheckedIOException("a backend conf that is not JSON", e);
    }
  }

  /** A data source's text: a Secret's value, inline base64, or an inline string. */
  private static Optional<String> source(MeshState state, JsonNode source, Sealer sealer) {
    if (source.path("secret").isTextual()) {
      return secret(state, source.path("secret").textValue(), sealer);
    }
    if (source.path("inlineString").isTextual()) {
      return Optional.of(source.path("inlineString").textValue());
    }
    if (source.path("inline").isTextual()) {
      return Optional.of(
          new String(
              Base64.getMimeDecoder().decode(source.path("inline").textValue()),
              StandardCharsets.UTF_8));
    }
    return Optional.empty();
  }

  private static Optional<String> secret(MeshState state, String name, Sealer sealer) {
    return state
        .get(ResourceType.SECRET, name)
        .map(r -> (SecretResource) r.payload())
        .map(s -> new String(sealer.open(s.getData()), StandardCharsets.UTF_8));
  }
}
