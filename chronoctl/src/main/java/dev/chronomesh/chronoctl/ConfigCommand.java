package dev.chronomesh.chronoctl;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code chronoctl config set|view}: the saved server and token. */
@Command(
    name = "config",
    description = "Save or show the server and token chronoctl uses.",
    mixinStandardHelpOptions = true,
    subcommands = {ConfigCommand.Set.class, ConfigCommand.View.class})
final class ConfigCommand {
  @ParentCommand Chronoctl root;

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description = {
        "Save the server (and token) in the config file, mode 0600.",
        "Changing the server without --token forgets the saved token, so it is never sent to"
            + " another server; --token '' removes it."
      })
  static final class Set implements Callable<Integer> {
    @ParentCommand ConfigCommand parent;

    @Option(names = "--server", paramLabel = "URL", required = true, description = "Base URL.")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token to save.")
    String token;

    @Override
    public Integer call() {
      String problem = ClientConfig.checkServer(server);
      if (problem != null) {
        throw new CliFailure(Chronoctl.EXIT_USAGE, List.of("Error: --server " + problem));
      }
      Env env = parent.root.env;
      Path file = ClientConfig.location(env);
      ClientConfig current = ClientConfig.load(file);
      String newToken;
      if (token != null) {
        newToken = token.isEmpty() ? null : token;
      } else if (server.equals(current.server())) {
        newToken = current.token();
      } else {
        newToken = null;
        if (current.token() != null) {
          env.out().println("The saved token was for " + current.server() + " and is removed.");
        }
      }
      new ClientConfig(server, newToken).save(file);
      env.out()
          .println(
              "Saved server " + server + (newToken != null ? " with a token" : "") + " in " + file);
      return Chronoctl.EXIT_OK;
    }
  }

  @Command(
      name = "view",
      mixinStandardHelpOptions = true,
      description = "Show the config file (the token masked) and the server this shell would use.")
  static final class View implements Callable<Integer> {
    @ParentCommand ConfigCommand parent;

    @Override
    public Integer call() {
      Env env = parent.root.env;
      Path file = ClientConfig.location(env);
      ClientConfig config = ClientConfig.load(file);
      env.out().println("file: " + file);
      env.out().println("server: " + (config.server() != null ? config.server() : "(none)"));
      env.out().println("token: " + ClientConfig.mask(config.token()));
      ApiClient effective = parent.root.client(new ConnectionOptions());
      env.out().println("effective server: " + effective.server());
      return Chronoctl.EXIT_OK;
    }
  }
}
