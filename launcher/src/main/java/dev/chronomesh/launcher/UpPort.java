package dev.chronomesh.launcher;

import java.util.function.ToIntFunction;

/**
 * Every port {@code chronomesh up} listens on, one line each. The options of {@code up}, the check
 * that they are free before anything starts, and the message naming the option when one is taken
 * all come from this table, so a new port is a new line here (plus where it is bound).
 */
enum UpPort {
  API("--api-port", 5681, "REST API", "REST API port, as Kuma's.", Address.HOST, s -> s.apiPort()),
  XDS(
      "--xds-port",
      5678,
      "xDS",
      "xDS (ADS) port, as Kuma's dp-server.",
      Address.HOST,
      s -> s.xdsPort()),
  XDS_HTTP(
      "--xds-http-port",
      5680,
      "xDS HTTP",
      "xDS gateway's /healthz, /readyz and /metrics port.",
      Address.HOST,
      s -> s.xdsHttpPort()),
  CA(
      "--ca-port",
      5677,
      "CA",
      "CA service's gRPC port, on loopback.",
      Address.LOOPBACK,
      s -> s.caPort()),
  KAFKA(
      "--kafka-port",
      19092,
      "Kafka",
      "Embedded broker port.",
      Address.LOOPBACK,
      s -> s.kafkaPort()),
  KAFKA_CONTROLLER(
      "--kafka-controller-port",
      19093,
      "Kafka controller",
      "Embedded KRaft controller port.",
      Address.LOOPBACK,
      s -> s.kafkaControllerPort());

  /** Where a port is bound: on {@code --host}, or always on loopback. */
  enum Address {
    HOST,
    LOOPBACK
  }

  /** The address of the {@link Address#LOOPBACK} ports (the broker and the CA service). */
  static final String LOOPBACK = "127.0.0.1";

  private final String option;
  private final int defaultPort;
  private final String label;
  private final String help;
  private final Address address;
  private final ToIntFunction<ChronomeshStack.Settings> port;

  UpPort(
      String option,
      int defaultPort,
      String label,
      String help,
      Address address,
      ToIntFunction<ChronomeshStack.Settings> port) {
    this.option = option;
    this.defaultPort = defaultPort;
    this.label = label;
    this.help = help;
    this.address = address;
    this.port = port;
  }

  /** The option of {@code up} that sets it, e.g. {@code --kafka-port}. */
  String option() {
    return option;
  }

  int defaultPort() {
    return defaultPort;
  }

  /** What listens on it, as messages name it: {@code port 19092 (Kafka)}. */
  String label() {
    return label;
  }

  /** The option's description in {@code up --help}. */
  String help() {
    return help + " 0 picks a free one (default: ${DEFAULT-VALUE}).";
  }

  /** The address it is bound on under these settings. */
  String host(ChronomeshStack.Settings settings) {
    return address == Address.HOST ? settings.host() : LOOPBACK;
  }

  /** Whether it is bound on {@code --host} (else always on loopback). */
  boolean onHost() {
    return address == Address.HOST;
  }

  /** The configured port; 0 picks a free one. */
  int port(ChronomeshStack.Settings settings) {
    return port.applyAsInt(settings);
  }
}
