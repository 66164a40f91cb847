package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.DataplaneProxyConstraints;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kuma's dataplane membership rules ({@code pkg/core/managers/apis/dataplane/
 * membership_validator.go}): each tag set of a dataplane (one per inbound, and its gateway's) must
 * match one of the mesh's requirements when it has any, and none of its restrictions. A rule
 * matches when the tag set has each of its tags with the same value, or any non-empty value for
 * "*". Checked on every Dataplane write, as Kuma checks create and update.
 */
final class MeshConstraints {
  private static final String ANY = "*";

  private MeshConstraints() {}

  static void check(
      String mesh,
      DataplaneResource dataplane,
      DataplaneProxyConstraints constraints,
      List<Violation> out) {
    List<Map<String, String>> sets = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < dataplane.getInbound().size(); i++) {
      Inbound in = dataplane.getInbound().get(i);
      sets.add(in.getTags());
      paths.add("networking.inbound[" + i + "].tags");
    }
    if (dataplane.getGateway() != null) {
      sets.add(dataplane.getGateway().getTags());
      paths.add("networking.gateway.tags");
    }
    for (int i = 0; i < sets.size(); i++) {
      Map<String, String> tags = sets.get(i);
      List<Map<String, String>> requirements = constraints.getRequirements();
      if (!requirements.isEmpty() && requirements.stream().noneMatch(r -> matches(r, tags))) {
        out.add(refusal(paths.get(i), mesh, tags, "do not fulfill any requirement"));
        continue;
      }
      for (Map<String, String> restriction : constraints.getRestrictions()) {
        if (matches(restriction, tags)) {
          out.add(
              refusal(paths.get(i), mesh, tags, "match restricted tags " + describe(restriction)));
          break;
        }
      }
    }
  }

  private static Violation refusal(String path, String mesh, Map<String, String> tags, String why) {
    return new Violation(
        path,
        "dataplane cannot be a member of mesh \""
            + mesh
            + "\" because its tags "
            + describe(tags)
            + " "
            + why
            + " defined on the Mesh");
  }

  static boolean matches(Map<String, String> rule, Map<String, String> tags) {
    for (Map.Entry<String, String> e : rule.entrySet()) {
      String value = tags.get(e.getKey());
      if (ANY.equals(e.getValue()) && value != null && !value.isEmpty()) {
        continue;
      }
      if (!e.getValue().equals(value)) {
        return false;
      }
    }
    return true;
  }

  private static String describe(Map<String, String> tags) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(tags)
        .forEach((k, v) -> b.append(b.isEmpty() ? "" : " ").append(k).append('=').append(v));
    return "\"" + b + "\"";
  }
}
