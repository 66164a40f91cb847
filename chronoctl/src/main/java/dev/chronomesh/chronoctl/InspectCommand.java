package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code chronoctl inspect dataplane NAME}: the dataplane and the xDS status of its proxy (from
 * {@code GET /meshes/{mesh}/dataplanes/{name}/_overview}), as a summary and a table of the
 * acknowledged versions, or as YAML or JSON.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Show a dataplane with the xDS status of its proxy: the gateway it is connected to, the"
            + " versions it acknowledged, its last NACK and whether it has the projected config.")
final class InspectCommand implements Callable<Integer> {
  private static final List<String> DATAPLANE_NAMES = List.of("dataplane", "dataplanes", "dp");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @ParentCommand Chronoctl root;
  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "TYPE", description = "dataplane (or dataplanes, dp).")
  String type;

  @Parameters(index = "1", paramLabel = "NAME", description = "The dataplane's name.")
  String name;

  @Option(
      names = {"-m", "--mesh"},
      paramLabel = "MESH",
      defaultValue = "default",
      description = "Mesh of the dataplane (default: ${DEFAULT-VALUE}).")
  String mesh;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table, yaml or json (default: ${DEFAULT-VALUE}).")
  GetCommand.Output output;

  @Override
  public Integer call() throws JsonProcessingException {
    if (!DATAPLANE_NAMES.contains(type)) {
      throw new CliFailure(
          Chronoctl.EXIT_USAGE,
          List.of("Error: cannot inspect \"" + type + "\": only dataplane (dataplanes, dp)"));
    }
    ApiClient api = root.client(connection);
    JsonNode overview =
        api.getJson(
            "/meshes/"
                + ApiClient.segment(mesh)
                + "/dataplanes/"
                + ApiClient.segment(name)
                + "/_overview");
    String text =
        switch (output) {
          case table -> render(overview);
          case yaml -> GetCommand.YAML.writeValueAsString(overview);
          case json -> JSON.writeValueAsString(overview) + "\n";
        };
    root.env.out().print(text);
    return Chronoctl.EXIT_OK;
  }

  /** The overview for people: a summary, then one row per acknowledged xDS type. */
  static String render(JsonNode overview) {
    JsonNode dp = overview.path("dataplane");
    JsonNode status = overview.path("status");
    List<List<String>> summary = new ArrayList<>();
    summary.add(List.of("MESH", dp.path("mesh").asText("")));
    summary.add(List.of("NAME", dp.path("name").asText("")));
    summary.add(List.of("ADDRESS", dp.path("networking").path("address").asText("")));
    String connected;
    if (status.path("connected").asBoolean()) {
      connected =
          "yes, to "
              + text(status.path("gateway"))
              + " ("
              + text(status.path("protocol"))
              + ") since "
              + text(status.path("connectedAt"));
    } else if (status.path("disconnectedAt").isTextual()) {
      connected = "no, since " + status.path("disconnectedAt").asText();
    } else {
      connected = "no";
    }
    summary.add(List.of("CONNECTED", connected));
    summary.add(List.of("PROJECTED VERSION", text(status.path("projectedVersion"))));
    List<String> behind = new ArrayList<>();
    status.path("behind").forEach(t -> behind.add(shortType(t.asText())));
    String inSync = status.path("inSync").asBoolean() ? "yes" : "no";
    if (!behind.isEmpty()) {
      inSync += " (behind: " + String.join(", ", behind) + ")";
    }
    summary.add(List.of("IN SYNC", inSync));
    JsonNode nack = status.path("lastNack");
    String lastNack =
        nack.isObject()
            ? shortType(nack.path("typeUrl").asText(""))
                + " "
                + text(nack.path("version"))
                + " at "
                + text(nack.path("at"))
                + ": "
                + text(nack.path("error"))
            : "-";
    summary.add(List.of("LAST NACK", lastNack));
    JsonNode refusal = status.path("lastRefusal");
    if (refusal.isObject()) {
      // Only when a gateway ever refused its client (e.g. a proxyless gRPC client of a Dataplane
      // without the proxyless label): the error says what to change.
      summary.add(
          List.of(
              "LAST REFUSAL",
              "at " + text(refusal.path("at")) + ": " + text(refusal.path("error"))));
    }

    StringBuilder out = new StringBuilder();
    int width = summary.stream().mapToInt(r -> r.get(0).length()).max().orElse(0);
    for (List<String> row : summary) {
      out.append(row.get(0))
          .append(" ".repeat(width - row.get(0).length() + 3))
          .append(row.get(1))
          .append('\n');
    }
    out.append('\n');
    List<List<String>> acks = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : status.path("acked").properties()) {
      JsonNode ack = e.getValue();
      acks.add(
          List.of(
              shortType(e.getKey()),
              text(ack.path("version")),
              text(ack.path("at")),
              ack.path("convergenceMillis").isNumber()
                  ? ack.path("convergenceMillis").asLong() + "ms"
                  : "-"));
    }
    if (acks.isEmpty()) {
      out.append("No acknowledged xDS versions.\n");
    } else {
      out.append(Tables.format(List.of("TYPE", "ACKED VERSION", "ACKED AT", "CONVERGENCE"), acks));
    }
    return out.toString();
  }

  private static String text(JsonNode node) {
    return node.isValueNode() && !node.isNull() ? node.asText() : "-";
  }

  /** {@code type.googleapis.com/envoy.config.cluster.v3.Cluster} → {@code Cluster}. */
  static String shortType(String typeUrl) {
    int dot = typeUrl.lastIndexOf('.');
    return dot < 0 ? typeUrl : typeUrl.substring(dot + 1);
  }
}
