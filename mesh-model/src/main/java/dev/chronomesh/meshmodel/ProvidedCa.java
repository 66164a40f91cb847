package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The checks Kuma's provided CA manager makes when a Mesh names a {@code provided} mTLS backend
 * ({@code pkg/plugins/ca/provided/manager.go} ValidateBackend and {@code ca_cert_validator.go}):
 * cert and key are data sources (secret, file, inline, inlineString); an inline certificate must
 * parse and be a CA; a secret must exist in the mesh (checked by the {@link Decider}, which sees
 * the mesh's secrets). Chronomesh refuses two sources Kuma allows: {@code file} (the CA service
 * reads no control-plane disk) and an inline private key (the Mesh is stored in clear).
 */
final class ProvidedCa {
  private static final Set<String> SOURCES = Set.of("secret", "file", "inline", "inlineString");

  private ProvidedCa() {}

  /** Checks cert and key data sources and an inline certificate of a provided backend's conf. */
  static void checkInline(Obj conf) {
    for (String field : List.of("cert", "key")) {
      Obj source = conf.object(field);
      if (source == null) {
        continue;
      }
      source.rejectUnknown(SOURCES, Set.of());
      int given = 0;
      for (String s : SOURCES) {
        if (source.raw(s) != null) {
          given++;
          source.string(s, true);
        }
      }
      if (given != 1) {
        source
            .violations()
            .add(
                source.path(),
                "data source has to be chosen. Available sources: secret, file, inline");
        continue;
      }
      if (source.raw("file") != null) {
        // Kuma's control plane reads the file from its own disk; Chronomesh's CA service runs
        // anywhere and reads the mesh's state only.
        source
            .violations()
            .notSupportedYet(source.path("file"), "a file on the control plane's disk; use secret");
      }
      if (field.equals("key")
          && (source.raw("inline") != null || source.raw("inlineString") != null)) {
        // The Mesh is stored in the events topic in clear: a private key there would be too.
        source
            .violations()
            .notSupportedYet(
                source.path(source.raw("inline") != null ? "inline" : "inlineString"),
                "a private key is only kept sealed, in a Secret; use secret");
      }
      if (field.equals("cert")) {
        byte[] pem = inlineBytes(source);
        if (pem != null) {
          String reason = certificateProblem(pem);
          if (reason != null) {
            source.violations().add(source.path(), reason);
          }
        }
      }
    }
  }

  /** The secrets a provided backend's conf names (cert then key), for the existence check. */
  static List<String> secrets(JsonNode conf) {
    List<String> out = new ArrayList<>();
    if (conf == null) {
      return out;
    }
    for (String field : List.of("cert", "key")) {
      JsonNode secret = conf.path(field).path("secret");
      if (secret.isTextual() && !secret.textValue().isEmpty()) {
        out.add(secret.textValue());
      }
    }
    return out;
  }

  private static byte[] inlineBytes(Obj source) {
    JsonNode inlineString = source.raw("inlineString");
    if (inlineString != null && inlineString.isTextual()) {
      return inlineString.textValue().getBytes(StandardCharsets.UTF_8);
    }
    JsonNode inline = source.raw("inline");
    if (inline != null && inline.isTextual()) {
      try {
        return Base64.getMimeDecoder().decode(inline.textValue());
      } catch (IllegalArgumentException e) {
        source.violations().add(source.path("inline"), "must be base64: " + e.getMessage());
      }
    }
    return null;
  }

  /** Null when {@code pem} holds X.509 certificates that are CAs allowed to sign certificates. */
  static String certificateProblem(byte[] pem) {
    Collection<? extends java.security.cert.Certificate> certs;
    try {
      certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem));
    } catch (CertificateException e) {
      return "not a valid x509 certificate: " + e.getMessage();
    }
    if (certs.isEmpty()) {
      return "not a valid x509 certificate: no certificate found";
    }
    for (var cert : certs) {
      if (!(cert instanceof X509Certificate x509)) {
        return "not a valid x509 certificate";
      }
      if (x509.getBasicConstraints() < 0) {
        return "basic constraint 'CA' must be set to 'true' (see X509-SVID: 4.1. Basic Constraints)";
      }
      boolean[] usage = x509.getKeyUsage();
      if (usage != null && (usage.length <= 5 || !usage[5])) {
        return "key usage extension 'keyCertSign' must be set (see X509-SVID: 4.3. Key Usage)";
      }
    }
    return null;
  }
}
