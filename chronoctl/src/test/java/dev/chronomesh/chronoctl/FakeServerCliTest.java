package dev.chronomesh.chronoctl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chronoctl command test against a {@link FakeApiServer}: chronoctl runs in-process with the
 * server as {@code CHRONOCTL_SERVER}, a config directory of its own and the clock at {@link
 * #now()}.
 */
abstract class FakeServerCliTest {
  /** The clock's instant: 2026-03-01T11:00:00Z unless a test class says otherwise. */
  Instant now() {
    return Instant.parse("2026-03-01T11:00:00Z");
  }

  @TempDir Path dir;
  FakeApiServer server;
  Map<String, String> env;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void startServer() throws IOException {
    server = new FakeApiServer();
    env = new HashMap<>();
    env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    env.put("CHRONOCTL_SERVER", server.url());
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  Result run(String... args) {
    return runWithStdin("", args);
  }

  Result runWithStdin(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Env e =
        new Env(
            env,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Clock.fixed(now(), ZoneOffset.UTC));
    int code = Chronoctl.run(e, args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
