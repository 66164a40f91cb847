package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code chronoctl generate dataplane-token|user-token}: tokens minted by the server. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate tokens.",
    subcommands = {GenerateCommand.DataplaneToken.class, GenerateCommand.UserToken.class})
final class GenerateCommand {
  // Kuma durations: 30s, 15m, 24h, 7d (the server checks the upper bound).
  private static final Pattern DURATION = Pattern.compile("[1-9][0-9]{0,8}(s|m|h|d)");

  @ParentCommand Chronoctl root;

  static void checkDuration(String validFor) {
    if (validFor != null && !DURATION.matcher(validFor).matches()) {
      throw new CliFailure(
          Chronoctl.EXIT_USAGE,
          List.of("Error: --valid-for \"" + validFor + "\" must be like 30s, 15m, 24h or 7d"));
    }
  }

  static int post(Chronoctl root, ConnectionOptions connection, String path, ObjectNode body) {
    ApiClient api = root.client(connection);
    ApiClient.Response response = api.send("POST", path, body);
    root.env.out().println(response.body().strip());
    return Chronoctl.EXIT_OK;
  }

  @Command(
      name = "dataplane-token",
      mixinStandardHelpOptions = true,
      description =
          "Generate a token a dataplane presents to the xDS gateway (POST /tokens/dataplane).")
  static final class DataplaneToken implements Callable<Integer> {
    @ParentCommand GenerateCommand parent;
    @Mixin ConnectionOptions connection;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Dataplane name.")
    String name;

    @Option(
        names = {"-m", "--mesh"},
        required = true,
        paramLabel = "MESH",
        description = "Mesh of the dataplane.")
    String mesh;

    @Option(
        names = "--tag",
        paramLabel = "KEY=VALUE[,VALUE...]",
        description = "A tag the dataplane may claim, e.g. kuma.io/service=backend; repeatable.")
    List<String> tags = new ArrayList<>();

    @Option(
        names = "--valid-for",
        paramLabel = "DURATION",
        description = "e.g. 24h (server default 24h).")
    String validFor;

    @Override
    public Integer call() {
      checkDuration(validFor);
      Map<String, List<String>> parsed = new LinkedHashMap<>();
      for (String tag : tags) {
        int eq = tag.indexOf('=');
        if (eq <= 0 || eq == tag.length() - 1) {
          throw new CliFailure(
              Chronoctl.EXIT_USAGE,
              List.of(
                  "Error: --tag \"" + tag + "\" must be KEY=VALUE, e.g. kuma.io/service=backend"));
        }
        List<String> values = parsed.computeIfAbsent(tag.substring(0, eq), k -> new ArrayList<>());
        for (String v : tag.substring(eq + 1).split(",")) {
          if (!v.isEmpty() && !values.contains(v)) {
            values.add(v);
          }
        }
      }
      ObjectNode body = GetCommand.YAML.createObjectNode();
      body.put("name", name);
      body.put("mesh", mesh);
      ObjectNode tagNode = body.putObject("tags");
      parsed.forEach((k, vs) -> vs.forEach(tagNode.putArray(k)::add));
      body.put("type", "dataplane");
      if (validFor != null) {
        body.put("validFor", validFor);
      }
      return post(parent.root, connection, "/tokens/dataplane", body);
    }
  }

  @Command(
      name = "user-token",
      mixinStandardHelpOptions = true,
      description = "Generate a token for a person or a program (POST /tokens/user).")
  static final class UserToken implements Callable<Integer> {
    @ParentCommand GenerateCommand parent;
    @Mixin ConnectionOptions connection;

    /** The roles of docs/api.md. */
    enum Role {
      admin,
      editor,
      viewer
    }

    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description = "Who the token is for.")
    String name;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        description = "admin, editor or viewer.")
    Role role;

    @Option(
        names = {"-m", "--mesh"},
        paramLabel = "MESH",
        description = "A mesh an editor may write; repeatable.")
    List<String> meshes = new ArrayList<>();

    @Option(names = "--group", paramLabel = "GROUP", description = "A group; repeatable.")
    List<String> groups = new ArrayList<>();

    @Option(
        names = "--valid-for",
        paramLabel = "DURATION",
        description = "e.g. 24h (server default 24h).")
    String validFor;

    @Override
    public Integer call() {
      checkDuration(validFor);
      ObjectNode body = GetCommand.YAML.createObjectNode();
      body.put("name", name);
      ArrayNode groupNode = body.putArray("groups");
      groups.forEach(groupNode::add);
      body.put("role", role.name());
      ArrayNode meshNode = body.putArray("meshes");
      meshes.forEach(meshNode::add);
      if (validFor != null) {
        body.put("validFor", validFor);
      }
      return post(parent.root, connection, "/tokens/user", body);
    }
  }
}
