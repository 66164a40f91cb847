package dev.chronomesh.benchmarks.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the figures were measured on: cores, memory, CPU model, JDK, OS and the commit. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("memory_gb", memoryGb());
    m.put("cpu", firstLine(Path.of("/proc/cpuinfo"), "model name"));
    m.put("jdk", System.getProperty("java.vendor") + " " + Runtime.version());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("commit", commit());
    return m;
  }

  private static Object memoryGb() {
    String line = firstLine(Path.of("/proc/meminfo"), "MemTotal");
    if (line == null) {
      return null;
    }
    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
    return Math.round(kb / 1024.0 / 1024.0 * 10) / 10.0;
  }

  private static String firstLine(Path file, String prefix) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(prefix)) {
          int colon = line.indexOf(':');
          return colon < 0 ? line : line.substring(colon + 1).strip();
        }
      }
    } catch (IOException e) {
      // Not Linux: leave it out.
    }
    return null;
  }

  private static String commit() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
