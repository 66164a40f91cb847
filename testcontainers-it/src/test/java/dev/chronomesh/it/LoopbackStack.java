package dev.chronomesh.it;

import dev.chronomesh.events.Topics;
import dev.chronomesh.launcher.ChronomeshStack;
import java.nio.file.Path;

/** The whole stack as most tests run it: loopback, free ports, two partitions, default topics. */
final class LoopbackStack {
  private LoopbackStack() {}

  static ChronomeshStack start(Path dataDir) {
    return ChronomeshStack.start(
        new ChronomeshStack.Settings(dataDir, "127.0.0.1", 0, 0, 0, 0, 2, Topics.defaults()));
  }
}
