package dev.chronomesh.it;

import dev.chronomesh.events.Topics;
import dev.chronomesh.launcher.ChronomeshStack;
import java.nio.file.Path;

/** The whole stack as most tests run it: loopback, free ports, two partitions, default topics. */
final class LoopbackStack {
  private LoopbackStack() {}

  static ChronomeshStack start(Path dataDir) {
    return ChronomeshStack.start(settings(dataDir));
  }

  /**
   * The same stack with its xDS port served over TLS with a certificate of the control-plane CA (as
   * {@code up} serves it), for proxies that verify the gateway against {@link
   * ChronomeshStack#controlPlaneCa()}.
   */
  static ChronomeshStack startWithTlsXds(Path dataDir) {
    ChronomeshStack.Settings s = settings(dataDir);
    return ChronomeshStack.start(
        new ChronomeshStack.Settings(
            s.dataDir(),
            s.host(),
            s.apiPort(),
            s.xdsPort(),
            s.kafkaPort(),
            s.kafkaControllerPort(),
            s.partitions(),
            s.topics(),
            s.writeTimeout(),
            s.xdsHttpPort(),
            s.requireDataplaneTokens(),
            s.caPort(),
            false));
  }

  private static ChronomeshStack.Settings settings(Path dataDir) {
    return new ChronomeshStack.Settings(dataDir, "127.0.0.1", 0, 0, 0, 0, 2, Topics.defaults());
  }
}
