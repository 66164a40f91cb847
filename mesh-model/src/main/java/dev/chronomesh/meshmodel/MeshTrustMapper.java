package dev.chronomesh.meshmodel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.meshtrust.MeshTrust;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kuma's MeshTrust (universal format: {@code type, name, mesh, labels, spec}) ⇄ the envelope {@link
 * PolicyResource} with type {@value MeshTrust#TYPE}. Validation is Kuma 2.14's REST path: the
 * OpenAPI schema ({@code pkg/core/resources/apis/meshtrust/api/v1alpha1/rest.yaml}) first, then,
 * when the document fits it, {@code validator.go} with its messages.
 *
 * <p>Two checks go beyond Kuma's, because a bundle is served to every proxy of the mesh: Kuma looks
 * at the first PEM block only (not a private key); here every block must be a {@code CERTIFICATE}
 * that parses as X.509 (an unreadable one would break the whole bundle in the proxies' TLS stacks),
 * and a private key anywhere is refused (it would be stored in the events topic in clear). The
 * message is Kuma's and never quotes the value. {@code spec.origin} (deprecated in Kuma 2.14 and
 * read by nothing there) is refused as not supported; {@code status} and {@code kri} are read-only
 * and ignored, as Kuma's PUT keeps only the spec.
 */
final class MeshTrustMapper extends EnvelopeMapper {
  /** Kuma's {@code +kubebuilder:validation:MaxLength=253} of the trust domain (a DNS name). */
  static final int MAX_TRUST_DOMAIN = 253;

  private static final Pattern PEM_BLOCK =
      Pattern.compile(
          "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n([A-Za-z0-9+/=\\r\\n\\t ]*?)-----END \\1-----");

  MeshTrustMapper() {
    super(MeshTrust.TYPE);
  }

  @Override
  public Set<String> specFields() {
    return Set.of("spec", "status", "kri");
  }

  @Override
  public PolicyResource read(
      JsonNode document, ResourceMetadata metadata, Violations violations, Sealer sealer) {
    Obj spec = requiredSpec(document, violations);
    if (spec == null) {
      return null;
    }
    // The schema first: Kuma's REST API answers its violations without running the validator.
    int before = violations.size();
    spec.rejectUnknown(Set.of("trustDomain", "caBundles", "origin"), Set.of());
    String trustDomain = spec.string("trustDomain", false);
    List<JsonNode> bundles = spec.array("caBundles");
    for (int i = 0; i < bundles.size(); i++) {
      Obj bundle = Obj.of(bundles.get(i), Violations.index(spec.path("caBundles"), i), violations);
      if (bundle == null) {
        continue;
      }
      bundle.rejectUnknown(Set.of("type", "pem"), Set.of());
      String type = bundle.string("type", false);
      if (bundle.raw("type") == null) {
        violations.add(bundle.path("type"), "is required");
      } else if (type != null && !type.equals("Pem")) {
        violations.add(bundle.path("type"), "must be one of: Pem");
      }
      Obj pem = bundle.object("pem");
      if (pem != null) {
        pem.rejectUnknown(Set.of("value"), Set.of());
        if (pem.raw("value") == null) {
          violations.add(pem.path("value"), "is required");
        } else {
          pem.string("value", false);
        }
      }
    }
    if (spec.raw("origin") != null) {
      spec.violations()
          .notSupportedYet(
              spec.path("origin"),
              "deprecated in Kuma 2.14 and read by nothing there (status.origin replaces it)");
    }
    if (violations.size() > before) {
      return null;
    }
    // validator.go
    if (bundles.isEmpty()) {
      violations.add(spec.path("caBundles"), "must not be empty");
    }
    ArrayNode storedBundles = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < bundles.size(); i++) {
      String path = Violations.index(spec.path("caBundles"), i) + ".pem";
      JsonNode value = bundles.get(i).path("pem").path("value");
      if (bundles.get(i).path("pem").isMissingNode() || bundles.get(i).path("pem").isNull()) {
        violations.add(path, "must be defined");
      } else if (!certificatesOnly(value.textValue())) {
        violations.add(path + ".value", "provided certificate has incorrect format");
      } else {
        ObjectNode stored = storedBundles.addObject().put("type", "Pem");
        stored.putObject("pem").put("value", value.textValue());
      }
    }
    if (trustDomain == null || trustDomain.isEmpty()) {
      violations.add(spec.path("trustDomain"), "trustDomain needs to be defined");
    } else if (trustDomain.length() > MAX_TRUST_DOMAIN) {
      violations.add(
          spec.path("trustDomain"), "must not be longer than " + MAX_TRUST_DOMAIN + " characters");
    }
    if (violations.size() > before) {
      return null;
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("trustDomain", trustDomain);
    out.set("caBundles", storedBundles);
    return envelope(metadata, out);
  }

  /**
   * Whether {@code pem} holds one PEM block at least, every one a {@code CERTIFICATE} that parses
   * as X.509 (Kuma's {@code isPEMCertificate} checks the first block is no private key).
   */
  static boolean certificatesOnly(String pem) {
    Matcher block = PEM_BLOCK.matcher(pem);
    int count = 0;
    while (block.find()) {
      count++;
      if (!block.group(1).equals("CERTIFICATE")) {
        return false;
      }
    }
    if (count == 0 || pem.contains("PRIVATE KEY")) {
      return false;
    }
    try {
      return CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
              .size()
          == count;
    } catch (CertificateException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void write(PolicyResource resource, ObjectNode document, Sealer opener) {
    writeSpec(resource, document);
  }
}
