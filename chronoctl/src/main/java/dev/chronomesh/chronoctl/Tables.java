package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Tables like kumactl's: upper-case headers, columns separated by three spaces, one row per
 * resource; columns per type (meshes: NAME, MTLS, AGE; dataplanes: MESH, NAME, ADDRESS, SERVICES,
 * AGE; others: [MESH,] NAME, AGE).
 */
final class Tables {
  private Tables() {}

  static String render(ResourceTypes.Descriptor type, List<JsonNode> items, Instant now) {
    List<String> headers = new ArrayList<>();
    if (type.meshScoped()) {
      headers.add("MESH");
    }
    headers.add("NAME");
    switch (type.name()) {
      case "Mesh" -> headers.add("MTLS");
      case "Dataplane" -> headers.addAll(List.of("ADDRESS", "SERVICES"));
      default -> {}
    }
    headers.add("AGE");
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode item : items) {
      List<String> row = new ArrayList<>();
      if (type.meshScoped()) {
        row.add(item.path("mesh").asText(""));
      }
      row.add(item.path("name").asText(""));
      switch (type.name()) {
        case "Mesh" -> row.add(mtls(item));
        case "Dataplane" -> {
          row.add(item.path("networking").path("address").asText(""));
          row.add(services(item));
        }
        default -> {}
      }
      row.add(age(item.path("creationTime").asText(""), now));
      rows.add(row);
    }
    return format(headers, rows);
  }

  static String format(List<String> headers, List<List<String>> rows) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < headers.size(); i++) {
      widths[i] = headers.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    all.addAll(rows);
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - row.get(i).length() + 3));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String mtls(JsonNode mesh) {
    String backend = mesh.path("mtls").path("enabledBackend").asText("");
    if (backend.isEmpty()) {
      return "off";
    }
    for (JsonNode b : mesh.path("mtls").path("backends")) {
      if (backend.equals(b.path("name").asText())) {
        return b.path("type").asText("") + "/" + backend;
      }
    }
    return backend;
  }

  private static String services(JsonNode dataplane) {
    TreeSet<String> services = new TreeSet<>();
    for (JsonNode inbound : dataplane.path("networking").path("inbound")) {
      String service = inbound.path("tags").path("kuma.io/service").asText("");
      if (!service.isEmpty()) {
        services.add(service);
      }
    }
    return String.join(",", services);
  }

  /** kubectl's short ages: 45s, 12m, 5h, 3d; "-" when unknown. */
  static String age(String creationTime, Instant now) {
    if (creationTime.isEmpty()) {
      return "-";
    }
    Instant created;
    try {
      created = Instant.parse(creationTime);
    } catch (DateTimeParseException e) {
      return "-";
    }
    Duration d = Duration.between(created, now);
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    long s = d.toSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 120 * 60) {
      return d.toMinutes() + "m";
    }
    if (s < 48 * 3600) {
      return d.toHours() + "h";
    }
    return d.toDays() + "d";
  }
}
