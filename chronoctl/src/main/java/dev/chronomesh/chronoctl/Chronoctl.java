package dev.chronomesh.chronoctl;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code chronoctl}: the command-line client of Chronomesh's REST admin API, shaped like kumactl
 * ({@code apply}, {@code get}, {@code inspect}, {@code delete}, {@code generate}, {@code config}),
 * and {@code history}, the event log's answer to who changed what.
 */
@Command(
    name = "chronoctl",
    mixinStandardHelpOptions = true,
    version = "chronoctl 0.1.0",
    description = "Manage a Chronomesh control plane through its REST admin API.",
    subcommands = {
      ConfigCommand.class,
      ApplyCommand.class,
      GetCommand.class,
      InspectCommand.class,
      HistoryCommand.class,
      DeleteCommand.class,
      GenerateCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nConnection:%n",
    footer = {
      "  The server: --server, else $CHRONOCTL_SERVER, else the config file written",
      "  by 'chronoctl config set', else " + ClientConfig.DEFAULT_SERVER + ".",
      "  The token: --token, else $CHRONOCTL_TOKEN, else the config file's token (sent",
      "  only to the config file's server), as 'Authorization: Bearer <token>'.",
      "  Config file: $XDG_CONFIG_HOME/chronomesh/chronoctl.yaml, else",
      "  ~/.config/chronomesh/chronoctl.yaml (mode 0600)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the server refused the request (4xx), or an input file or the config file is invalid",
      "2:usage error: unknown command, option, argument or resource type",
      "3:the server could not be reached, timed out, or failed (5xx)"
    })
public final class Chronoctl {
  static final int EXIT_OK = 0;
  static final int EXIT_REFUSED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_UNAVAILABLE = 3;

  final Env env;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description = "Base URL of the REST API (default: see Connection below).")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token for the REST API.")
  String token;

  Chronoctl(Env env) {
    this.env = env;
  }

  public static void main(String[] args) {
    System.exit(run(Env.system(), args));
  }

  /** What one run printed, and its exit code. */
  public record Outcome(int code, String out, String err) {}

  /**
   * Runs one command line with these environment variables (no stdin) and returns what it printed:
   * chronoctl embedded in another program, or in an end-to-end test.
   */
  public static Outcome capture(java.util.Map<String, String> variables, String... args) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code =
        run(
            new Env(
                variables,
                java.io.InputStream.nullInputStream(),
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8),
                java.time.Clock.systemUTC()),
            args);
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs one command line and returns its exit code; nothing here calls System.exit. */
  static int run(Env env, String... args) {
    CommandLine cli = new CommandLine(new Chronoctl(env), new Factory(env));
    cli.setOut(
        new PrintWriter(new java.io.OutputStreamWriter(env.out(), StandardCharsets.UTF_8), true));
    cli.setErr(
        new PrintWriter(new java.io.OutputStreamWriter(env.err(), StandardCharsets.UTF_8), true));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof CliFailure failure) {
            failure.lines().forEach(commandLine.getErr()::println);
            commandLine.getErr().flush();
            return failure.exitCode();
          }
          commandLine.getErr().println("Error: " + e);
          commandLine.getErr().flush();
          return EXIT_REFUSED;
        });
    int code = cli.execute(args);
    env.out().flush();
    env.err().flush();
    return code;
  }

  /**
   * The API client for this run, from the most specific setting: the command's own options, the
   * global options, the environment, the config file, the default.
   */
  ApiClient client(ConnectionOptions local) {
    ClientConfig file = ClientConfig.load(ClientConfig.location(env));
    String chosenServer = first(local.server, server, env.get("CHRONOCTL_SERVER"));
    boolean fromFile = chosenServer == null && file.server() != null;
    if (chosenServer == null) {
      chosenServer = file.server() != null ? file.server() : ClientConfig.DEFAULT_SERVER;
    }
    String problem = ClientConfig.checkServer(chosenServer);
    if (problem != null) {
      throw new CliFailure(EXIT_USAGE, java.util.List.of("Error: server " + problem));
    }
    String chosenToken = first(local.token, token, env.get("CHRONOCTL_TOKEN"));
    if (chosenToken == null
        && file.token() != null
        && (fromFile || sameServer(chosenServer, file.server()))) {
      // The saved token belongs to the saved server: never send it anywhere else.
      chosenToken = file.token();
    }
    return new ApiClient(chosenServer, chosenToken);
  }

  private static boolean sameServer(String a, String b) {
    return b != null && strip(a).equals(strip(b));
  }

  private static String strip(String url) {
    return url.endsWith("/") ? strip(url.substring(0, url.length() - 1)) : url;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return null;
  }

  /** Builds commands with this run's {@link Env}. */
  private record Factory(Env env) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      for (var constructor : cls.getDeclaredConstructors()) {
        if (constructor.getParameterCount() == 1
            && constructor.getParameterTypes()[0] == Env.class) {
          constructor.setAccessible(true);
          return cls.cast(constructor.newInstance(env));
        }
      }
      return CommandLine.defaultFactory().create(cls);
    }
  }
}
