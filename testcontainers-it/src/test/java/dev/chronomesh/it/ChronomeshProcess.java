package dev.chronomesh.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code dev.chronomesh.launcher.Main} as a process of its own, as an operator would. */
final class ChronomeshProcess {
  private ChronomeshProcess() {}

  /**
   * Starts the launcher with {@code args}; its output goes to {@code
   * testcontainers-it/target/<label>.log}.
   */
  static Process start(List<String> args, String label) throws IOException {
    Path root = Path.of(System.getProperty("chronomesh.root", "..")).toAbsolutePath().normalize();
    String classpath =
        root.resolve("launcher/target/classes")
            + ":"
            + Files.readString(root.resolve("launcher/target/runtime-classpath.txt")).trim();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xmx768m");
    if (Runtime.version().feature() >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of("-cp", classpath, "dev.chronomesh.launcher.Main"));
    command.addAll(args);
    Path log = root.resolve("testcontainers-it/target/" + label + ".log");
    Files.createDirectories(log.getParent());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
