package dev.chronomesh.commandapi;

import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.Resource;
import dev.chronomesh.meshmodel.ResourceType;

/** The look-ups the routes below a mesh or a dataplane start with: found, or answered 404. */
final class Lookups {
  private Lookups() {}

  /** The Mesh of {@code state}, named {@code mesh}; 404 when it does not exist. */
  static MeshResource mesh(MeshState state, String mesh) {
    return (MeshResource)
        state
            .meshResource()
            .orElseThrow(() -> new ApiProblem(404, "Mesh \"" + mesh + "\" not found"))
            .payload();
  }

  /** Dataplane {@code name} of {@code state} (mesh {@code mesh}); 404 when it does not exist. */
  static Resource dataplane(MeshState state, String mesh, String name) {
    return state
        .get(ResourceType.DATAPLANE, name)
        .orElseThrow(
            () ->
                new ApiProblem(
                    404, "Dataplane \"" + name + "\" in mesh \"" + mesh + "\" not found"));
  }
}
