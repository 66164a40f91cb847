package dev.chronomesh.meshmodel;

import java.util.Map;
import java.util.Objects;

/**
 * The fields every resource document has, already validated: name, mesh (a Mesh's mesh is its own
 * name) and labels.
 */
public record ResourceMetadata(String name, String mesh, Map<String, String> labels) {
  public ResourceMetadata {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mesh, "mesh");
    labels = Map.copyOf(labels);
  }
}
