package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The resource types the server knows, as {@code GET /_resources} describes them; types are looked
 * up by any of their CLI names, their Kuma name or their REST plural.
 */
final class ResourceTypes {
  /** One type: Kuma name, scope, REST plural and CLI names. */
  record Descriptor(String name, boolean meshScoped, String path, List<String> cliNames) {
    Descriptor {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(path, "path");
      cliNames = List.copyOf(cliNames);
    }

    /** The REST path of one resource; {@code mesh} is ignored for global types. */
    String itemPath(String mesh, String resourceName) {
      return collectionPath(mesh) + "/" + ApiClient.segment(resourceName);
    }

    /** The REST path of a collection; for mesh-scoped types a null mesh means every mesh. */
    String collectionPath(String mesh) {
      if (!meshScoped || mesh == null) {
        return "/" + path;
      }
      return "/meshes/" + ApiClient.segment(mesh) + "/" + path;
    }

    /** How kubectl-style messages name a resource: {@code dataplane/backend-1}. */
    String display(String resourceName) {
      return name.toLowerCase(Locale.ROOT) + "/" + resourceName;
    }
  }

  // Used only when the server predates GET /_resources (it answers 404).
  private static final List<Descriptor> BUILT_IN =
      List.of(
          new Descriptor("Mesh", false, "meshes", List.of("mesh", "meshes")),
          new Descriptor("Dataplane", true, "dataplanes", List.of("dataplane", "dataplanes", "dp")),
          new Descriptor("Secret", true, "secrets", List.of("secret", "secrets")));

  private final List<Descriptor> types;

  ResourceTypes(List<Descriptor> types) {
    this.types = List.copyOf(types);
  }

  /** Asks the server which types it serves. */
  static ResourceTypes fetch(ApiClient api) {
    ApiClient.Response response = api.exchange("GET", "/_resources", null);
    if (response.status() == 404) {
      return new ResourceTypes(BUILT_IN);
    }
    if (response.status() >= 400) {
      throw api.failure(response);
    }
    JsonNode doc = response.json();
    if (doc == null || !doc.path("resources").isArray()) {
      throw CliFailure.unavailable("GET /_resources did not answer {\"resources\": [...]}");
    }
    List<Descriptor> types = new ArrayList<>();
    for (JsonNode r : doc.path("resources")) {
      String name = r.path("name").asText("");
      String path = r.path("path").asText("");
      if (name.isEmpty() || path.isEmpty()) {
        continue;
      }
      List<String> cli = new ArrayList<>();
      r.path("cliNames").forEach(n -> cli.add(n.asText()));
      types.add(new Descriptor(name, "Mesh".equalsIgnoreCase(r.path("scope").asText()), path, cli));
    }
    return new ResourceTypes(types);
  }

  /** The type with this Kuma name (the {@code type} field of a document). */
  Optional<Descriptor> byKumaName(String name) {
    return types.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The type named on the command line: a CLI name, the Kuma name or the plural, any case. */
  Descriptor byCliName(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    for (Descriptor t : types) {
      if (t.cliNames().contains(wanted)
          || t.name().equalsIgnoreCase(wanted)
          || t.path().equalsIgnoreCase(wanted)) {
        return t;
      }
    }
    List<String> known = new ArrayList<>();
    types.forEach(t -> known.addAll(t.cliNames().isEmpty() ? List.of(t.path()) : t.cliNames()));
    throw new CliFailure(
        Chronoctl.EXIT_USAGE,
        List.of(
            "Error: unknown resource type \"" + name + "\"; known: " + String.join(", ", known)));
  }
}
