package dev.chronomesh.chronoctl;

import picocli.CommandLine.Option;

/** {@code --server} and {@code --token}, accepted after any command that talks to the server. */
final class ConnectionOptions {
  @Option(names = "--server", paramLabel = "URL", description = "Base URL of the REST API.")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token for the REST API.")
  String token;
}
