package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code chronoctl get TYPE [NAME]}: one resource or a list (every page, following {@code next}),
 * as a table, YAML or JSON.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Show one resource or a list of resources.",
      "A list of a mesh-scoped type reads mesh \"default\" unless --mesh or --all-meshes is given."
    })
final class GetCommand implements Callable<Integer> {
  /** Output formats of {@code -o}. */
  enum Output {
    table,
    yaml,
    json
  }

  static final YAMLMapper YAML =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build();

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @ParentCommand Chronoctl root;
  @Mixin ConnectionOptions connection;

  @Parameters(
      index = "0",
      paramLabel = "TYPE",
      description = "mesh(es), dataplane(s)/dp, secret(s), ...")
  String type;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One resource.")
  String name;

  @Option(
      names = {"-m", "--mesh"},
      paramLabel = "MESH",
      defaultValue = "default",
      description = "Mesh of a mesh-scoped type (default: ${DEFAULT-VALUE}).")
  String mesh;

  @Option(
      names = {"-A", "--all-meshes"},
      description = "List a mesh-scoped type across every mesh.")
  boolean allMeshes;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table, yaml or json (default: ${DEFAULT-VALUE}).")
  Output output;

  @Override
  public Integer call() throws JsonProcessingException {
    if (allMeshes && name != null) {
      throw new CliFailure(
          Chronoctl.EXIT_USAGE, List.of("Error: --all-meshes lists resources; drop NAME or it"));
    }
    ApiClient api = root.client(connection);
    ResourceTypes.Descriptor descriptor = ResourceTypes.fetch(api).byCliName(type);
    if (name != null) {
      JsonNode item = api.getJson(descriptor.itemPath(mesh, name));
      print(descriptor, List.of(item), item);
      return Chronoctl.EXIT_OK;
    }
    List<JsonNode> items = new ArrayList<>();
    String next = descriptor.collectionPath(allMeshes ? null : mesh);
    Set<String> seen = new HashSet<>();
    long total = 0;
    while (next != null) {
      if (!seen.add(next)) {
        throw CliFailure.unavailable("the server's next page repeats " + next);
      }
      JsonNode page = api.getJson(next);
      total = page.path("total").asLong(items.size());
      page.path("items").forEach(items::add);
      JsonNode nextNode = page.path("next");
      next = nextNode.isTextual() && !nextNode.asText().isEmpty() ? nextNode.asText() : null;
    }
    ObjectNode list = api.json().createObjectNode();
    list.put("total", Math.max(total, items.size()));
    ArrayNode array = list.putArray("items");
    items.forEach(array::add);
    list.putNull("next");
    print(descriptor, items, list);
    return Chronoctl.EXIT_OK;
  }

  private void print(ResourceTypes.Descriptor descriptor, List<JsonNode> rows, JsonNode document)
      throws JsonProcessingException {
    String text =
        switch (output) {
          case table -> Tables.render(descriptor, rows, root.env.clock().instant());
          case yaml -> YAML.writeValueAsString(document);
          case json -> JSON.writeValueAsString(document) + "\n";
        };
    root.env.out().print(text);
  }
}
