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

/**
 * {@code chronoctl generate dataplane-token|user-token|grpc-bootstrap}: tokens minted by the
 * server, and the grpc-xds bootstrap of a proxyless workload.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate tokens and proxyless gRPC bootstraps.",
    subcommands = {
      GenerateCommand.DataplaneToken.class,
      GenerateCommand.UserToken.class,
      GenerateCommand.GrpcBootstrap.class
    })
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

  /** {@code --name} and {@code --mesh}: the dataplane a token or a bootstrap is for. */
  static final class Dataplane {
    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Dataplane name.")
    String name;

    @Option(
        names = {"-m", "--mesh"},
        required = true,
        paramLabel = "MESH",
        description = "Mesh of the dataplane.")
    String mesh;
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

    @Mixin Dataplane dataplane;

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
      body.put("name", dataplane.name);
      body.put("mesh", dataplane.mesh);
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

  @Command(
      name = "grpc-bootstrap",
      mixinStandardHelpOptions = true,
      description = {
        "Generate the grpc-xds bootstrap of a proxyless Dataplane (GET"
            + " /meshes/{mesh}/dataplanes/{name}/_grpc-bootstrap): save it as the workload's"
            + " GRPC_XDS_BOOTSTRAP, unedited.",
        "Java workloads put the dev.chronomesh:proxyless-client jar on their classpath; other"
            + " languages set GRPC_EXPERIMENTAL_XDS_BOOTSTRAP_CALL_CREDS=true (gRFC A97: the token"
            + " file is read as a JWT with its exp claim, which every dataplane token has; make"
            + " its --valid-for cover the workload's life or replace the file before it"
            + " expires). Relative paths are made absolute here."
      })
  static final class GrpcBootstrap implements Callable<Integer> {
    @ParentCommand GenerateCommand parent;
    @Mixin ConnectionOptions connection;

    @Mixin Dataplane dataplane;

    @Option(
        names = "--token-file",
        required = true,
        paramLabel = "FILE",
        description = "The dataplane token's file on the workload (generate dataplane-token).")
    java.nio.file.Path tokenFile;

    @Option(
        names = "--ca-file",
        paramLabel = "FILE",
        description =
            "The PEM that verifies the gateway (the control-plane CA); default: the one of the"
                + " gateway the server was started with.")
    java.nio.file.Path caFile;

    @Option(
        names = "--cert-dir",
        paramLabel = "DIR",
        description =
            "Where dp-agent --dir writes the workload's certificate; required in a mesh with mTLS.")
    java.nio.file.Path certDir;

    @Option(
        names = "--xds-address",
        paramLabel = "HOST:PORT",
        description = "The xDS gateway; default: the one the server was started with.")
    String xdsAddress;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "Write the bootstrap to FILE instead of stdout.")
    java.nio.file.Path output;

    @Override
    public Integer call() {
      StringBuilder query = new StringBuilder();
      query(query, "tokenFile", absolute(tokenFile));
      query(query, "caFile", absolute(caFile));
      query(query, "certDir", absolute(certDir));
      query(query, "xdsAddress", xdsAddress);
      ApiClient api = parent.root.client(connection);
      ApiClient.Response response =
          api.send(
              "GET",
              "/meshes/"
                  + ApiClient.segment(dataplane.mesh)
                  + "/dataplanes/"
                  + ApiClient.segment(dataplane.name)
                  + "/_grpc-bootstrap"
                  + query,
              null);
      String bootstrap = response.body().strip() + "\n";
      if (output == null) {
        parent.root.env.out().print(bootstrap);
        return Chronoctl.EXIT_OK;
      }
      try {
        java.nio.file.Files.writeString(output, bootstrap);
      } catch (java.io.IOException e) {
        throw new CliFailure(
            Chronoctl.EXIT_REFUSED, List.of("Error: cannot write " + output + ": " + e));
      }
      return Chronoctl.EXIT_OK;
    }

    private static String absolute(java.nio.file.Path path) {
      return path == null ? null : path.toAbsolutePath().normalize().toString();
    }

    private static void query(StringBuilder query, String key, String value) {
      if (value != null) {
        query
            .append(query.isEmpty() ? '?' : '&')
            .append(key)
            .append('=')
            .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }
}
