package dev.chronomesh.chronoctl;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code chronoctl delete TYPE NAME}. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete one resource.")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand Chronoctl root;
  @Mixin ConnectionOptions connection;

  @Parameters(index = "0", paramLabel = "TYPE", description = "mesh, dataplane/dp, secret, ...")
  String type;

  @Parameters(index = "1", paramLabel = "NAME", description = "The resource to delete.")
  String name;

  @Option(
      names = {"-m", "--mesh"},
      paramLabel = "MESH",
      defaultValue = "default",
      description = "Mesh of a mesh-scoped type (default: ${DEFAULT-VALUE}).")
  String mesh;

  @Option(names = "--dry-run", description = "Let the server decide without deleting anything.")
  boolean dryRun;

  @Override
  public Integer call() {
    ApiClient api = root.client(connection);
    ResourceTypes.Descriptor descriptor = ResourceTypes.fetch(api).byCliName(type);
    api.send("DELETE", descriptor.itemPath(mesh, name) + (dryRun ? "?dryRun=true" : ""), null);
    root.env.out().println(descriptor.display(name) + " deleted" + (dryRun ? " (dry run)" : ""));
    return Chronoctl.EXIT_OK;
  }
}
