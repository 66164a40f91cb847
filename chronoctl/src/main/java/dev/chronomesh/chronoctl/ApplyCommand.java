package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code chronoctl apply -f ...}: PUTs each document to its type's path, in order.
 *
 * <p>All input is read and checked first (YAML syntax, a known {@code type}, a {@code name}, a
 * {@code mesh} for mesh-scoped types); any problem stops the run before anything is sent. Then the
 * documents are sent one by one and the run stops at the first refusal, since later documents often
 * depend on earlier ones (a Dataplane on its Mesh); what was applied before stays applied and is
 * printed.
 */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = {
      "Create or update resources from Kuma universal YAML or JSON.",
      "Every input is read and checked before anything is sent; then the documents are applied in"
          + " order, stopping at the first one the server refuses (those before it stay applied)."
    })
final class ApplyCommand implements Callable<Integer> {
  @ParentCommand Chronoctl root;
  @Mixin ConnectionOptions connection;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE|DIR|-",
      description =
          "A file (multi-document YAML with ---, or JSON), a directory (its *.yaml, *.yml, *.json"
              + " files, sorted) or - for stdin; repeatable.")
  List<String> files;

  @Option(
      names = "--dry-run",
      description = "Let the server validate and decide without writing anything.")
  boolean dryRun;

  private record Planned(
      String source, ResourceTypes.Descriptor type, String mesh, String name, JsonNode body) {}

  @Override
  public Integer call() {
    List<String> problems = new ArrayList<>();
    List<InputDocuments.Document> documents = InputDocuments.read(files, root.env.in(), problems);
    ApiClient api = root.client(connection);
    ResourceTypes types = ResourceTypes.fetch(api);
    List<Planned> plan = new ArrayList<>();
    for (InputDocuments.Document doc : documents) {
      JsonNode body = doc.body();
      if (!body.isObject()) {
        problems.add(doc.source() + ": must be a map (a resource), not " + body.getNodeType());
        continue;
      }
      String typeName = text(body, "type");
      String name = text(body, "name");
      if (typeName == null) {
        problems.add(doc.source() + ": type: cannot be empty");
      }
      if (name == null) {
        problems.add(doc.source() + ": name: cannot be empty");
      }
      if (typeName == null) {
        continue;
      }
      Optional<ResourceTypes.Descriptor> type = types.byKumaName(typeName);
      if (type.isEmpty()) {
        problems.add(doc.source() + ": type: unknown resource type \"" + typeName + "\"");
        continue;
      }
      String mesh = text(body, "mesh");
      if (type.get().meshScoped() && mesh == null) {
        problems.add(doc.source() + ": mesh: cannot be empty for a " + typeName);
        continue;
      }
      if (name != null) {
        plan.add(new Planned(doc.source(), type.get(), mesh, name, body));
      }
    }
    if (documents.isEmpty() && problems.isEmpty()) {
      problems.add("no resources found in " + String.join(", ", files));
    }
    if (!problems.isEmpty()) {
      List<String> lines = new ArrayList<>();
      lines.add("Error: nothing was applied; the input is not valid:");
      problems.forEach(p -> lines.add("  " + p));
      throw new CliFailure(Chronoctl.EXIT_REFUSED, lines);
    }
    String query = dryRun ? "?dryRun=true" : "";
    for (Planned p : plan) {
      String path = p.type().itemPath(p.mesh(), p.name()) + query;
      ApiClient.Response response = api.exchange("PUT", path, p.body());
      if (response.status() >= 400) {
        CliFailure failure = api.failure(response);
        List<String> lines = new ArrayList<>();
        lines.add(p.type().display(p.name()) + " (" + p.source() + ") was not applied:");
        lines.addAll(failure.lines());
        throw new CliFailure(failure.exitCode(), lines);
      }
      String outcome = response.status() == 201 ? "created" : "updated";
      root.env
          .out()
          .println(p.type().display(p.name()) + " " + outcome + (dryRun ? " (dry run)" : ""));
    }
    return Chronoctl.EXIT_OK;
  }

  private static String text(JsonNode doc, String field) {
    JsonNode value = doc.get(field);
    return value != null && value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
  }
}
