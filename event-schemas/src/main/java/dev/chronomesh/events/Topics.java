package dev.chronomesh.events;

import java.util.Objects;

/**
 * Names of Chronomesh's Kafka topics, all sharing one configurable prefix (default {@code
 * chronomesh.}).
 */
public record Topics(String prefix) {
  public static final String DEFAULT_PREFIX = "chronomesh.";

  public Topics {
    Objects.requireNonNull(prefix, "prefix");
  }

  public static Topics defaults() {
    return new Topics(DEFAULT_PREFIX);
  }

  /** Resource events, key = mesh, retained forever: the source of truth and the audit log. */
  public String events() {
    return prefix + "events";
  }

  /** Write requests, key = mesh, short retention: the decider's input. */
  public String commands() {
    return prefix + "commands";
  }

  /** Outcomes of commands, key = request id, short retention. */
  public String commandResults() {
    return prefix + "command-results";
  }

  /** Per-proxy xDS resources, key = mesh.proxy, compacted. */
  public String proxyConfigs() {
    return prefix + "proxy-configs";
  }

  /** Per-cluster endpoint sets, key = mesh/cluster, compacted: shared by all proxies using it. */
  public String endpoints() {
    return prefix + "endpoints";
  }

  /**
   * Records a service could not read, with where they came from in headers (key = the original
   * key): kept for an operator to inspect.
   */
  public String deadLetters() {
    return prefix + "dead-letters";
  }

  /**
   * What happens on proxies' xDS streams (connect, disconnect, ACK, NACK), key = mesh.proxy,
   * compacted and deleted after 7 days: written by the xds-gateways, read for proxy status.
   */
  public String proxyStatus() {
    return prefix + "proxy-status";
  }

  /** The embedded schema registry's store, single partition, compacted. */
  public String schemas() {
    return prefix + "schemas";
  }
}
