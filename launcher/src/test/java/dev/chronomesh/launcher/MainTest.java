package dev.chronomesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line's defaults: dataplane tokens required unless {@code --no-dataplane-tokens};
 * catch-up batches only when asked for, and only for the projector.
 */
class MainTest {
  private static final String[] GATEWAY = {
    "run", "xds-gateway", "--bootstrap-servers", "127.0.0.1:9092", "--plaintext"
  };

  @Test
  void runXdsGatewayRequiresDataplaneTokensByDefault() {
    assertThat(run(GATEWAY).gatewayOptions().requireDataplaneTokens()).isTrue();
  }

  @Test
  void runXdsGatewayAcceptsTheOldRequireFlagAsTheDefault() {
    assertThat(run(with(GATEWAY, "--require-dataplane-tokens")).gatewayOptions())
        .isEqualTo(run(GATEWAY).gatewayOptions());
  }

  @Test
  void runXdsGatewayWithNoDataplaneTokensTurnsTheCheckOff() {
    assertThat(
            run(with(GATEWAY, "--no-dataplane-tokens")).gatewayOptions().requireDataplaneTokens())
        .isFalse();
  }

  @Test
  void bothDataplaneTokenFlagsAreAUsageErrorNamingBoth() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err))
            .setOut(new PrintWriter(new StringWriter()))
            .execute(with(GATEWAY, "--require-dataplane-tokens", "--no-dataplane-tokens"));

    assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString())
        .contains("--require-dataplane-tokens")
        .contains("--no-dataplane-tokens")
        .contains("contradict");
  }

  @Test
  void upRequiresDataplaneTokensUnlessTold() {
    assertThat(up().noDataplaneTokens).isFalse();
    assertThat(up("--no-dataplane-tokens").noDataplaneTokens).isTrue();
    assertThat(Main.dataplaneAuthLine(true))
        .isEqualTo("dataplane tokens required (--no-dataplane-tokens to disable)");
    assertThat(Main.dataplaneAuthLine(false)).contains("without authentication");
  }

  @Test
  void upHasAPortOptionPerLineOfThePortTableWithItsDefault() {
    java.util.Map<UpPort, Integer> defaults = up().ports();
    for (UpPort port : UpPort.values()) {
      assertThat(defaults).containsEntry(port, port.defaultPort());
    }
    assertThat(up("--kafka-port", "0", "--ca-port", "6000").ports())
        .containsEntry(UpPort.KAFKA, 0)
        .containsEntry(UpPort.CA, 6000)
        .containsEntry(UpPort.API, 5681);
  }

  @Test
  void runProjectorTakesACatchUpLagOnlyForTheProjector() {
    String[] projector = {"run", "projector", "--bootstrap-servers", "127.0.0.1:9092"};
    assertThat(run(projector).catchUpLag).isNull();
    assertThat(run(with(projector, "--catch-up-lag", "30s")).catchUpLag)
        .isEqualTo(java.time.Duration.ofSeconds(30));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new ServiceRunner.Settings(
                    "xds-gateway",
                    java.util.Map.of("bootstrap.servers", "127.0.0.1:9092"),
                    new dev.chronomesh.events.Topics("t."),
                    null,
                    "127.0.0.1",
                    0,
                    1,
                    (short) 1,
                    java.nio.file.Path.of("unused"),
                    "app",
                    null,
                    null,
                    null,
                    null,
                    0,
                    null,
                    java.time.Duration.ofSeconds(30),
                    null))
        .hasMessageContaining("--catch-up-lag is for the projector only");
  }

  private static Main.Run run(String... args) {
    return (Main.Run) parse(args);
  }

  private static Main.Up up(String... args) {
    return (Main.Up) parse(with(new String[] {"up"}, args));
  }

  private static Object parse(String... args) {
    CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args);
    return parsed.subcommand().commandSpec().userObject();
  }

  private static String[] with(String[] base, String... more) {
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }
}
