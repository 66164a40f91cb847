package dev.chronomesh.meshmodel;

import java.util.Locale;

/** The document formats Kuma users send: JSON (the REST API) and YAML (kumactl, files). */
public enum Format {
  JSON,
  YAML;

  /**
   * The format for an HTTP Content-Type: YAML for application/yaml, application/x-yaml and
   * text/yaml; JSON for application/json, any +json type, or no content type; null otherwise.
   */
  public static Format forContentType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return JSON;
    }
    String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return switch (mime) {
      case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml" -> YAML;
      case "application/json" -> JSON;
      default -> mime.endsWith("+json") ? JSON : null;
    };
  }
}
