package dev.chronomesh.meshmodel;

/** Where a resource type lives: global (a Mesh) or inside one mesh (a Dataplane). */
public enum Scope {
  GLOBAL,
  MESH
}
