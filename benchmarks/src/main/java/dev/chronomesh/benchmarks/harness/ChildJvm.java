package dev.chronomesh.benchmarks.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A control plane under test in a JVM of its own (so its heap and CPU are its own), started with
 * the harness's classpath and JDK; output to a log file, scanned for a ready line. Measures its
 * heap after a full GC (jcmd), its resident memory and its CPU time (/proc).
 */
final class ChildJvm implements AutoCloseable {
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private final Process process;
  private final Path log;
  private final String label;

  private ChildJvm(Process process, Path log, String label) {
    this.process = process;
    this.log = log;
    this.label = label;
  }

  /**
   * Starts {@code mainClass} with {@code args}; returns once a line of its output contains {@code
   * readyMarker} (null: at once).
   */
  static ChildJvm start(
      String label,
      List<String> jvmOptions,
      String mainClass,
      List<String> args,
      Path logDir,
      String readyMarker,
      Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-XX:+UseG1GC");
    if (Runtime.version().feature() >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    Files.createDirectories(logDir);
    Path log = logDir.resolve(label + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    ChildJvm child = new ChildJvm(process, log, label);
    CountDownLatch ready = new CountDownLatch(readyMarker == null ? 0 : 1);
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                  var out = Files.newBufferedWriter(log)) {
                String line;
                while ((line = in.readLine()) != null) {
                  out.write(line);
                  out.newLine();
                  out.flush();
                  if (readyMarker != null && line.contains(readyMarker)) {
                    ready.countDown();
                  }
                }
              } catch (IOException e) {
                // The process ended; its exit is checked by the caller.
              }
            },
            label + "-output");
    pump.setDaemon(true);
    pump.start();
    if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      child.close();
      throw new IllegalStateException(
          label + " did not print '" + readyMarker + "' within " + timeout + "; see " + log);
    }
    return child;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** Heap in use right after a full GC, in bytes (jcmd GC.run, then GC.heap_info). */
  long heapAfterGc() throws IOException, InterruptedException {
    jcmd("GC.run");
    String info = jcmd("GC.heap_info");
    Matcher m = HEAP_USED.matcher(info);
    if (!m.find()) {
      throw new IllegalStateException(
          "no 'used NK' in jcmd GC.heap_info of " + label + ": " + info);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  /** Resident set size in bytes (/proc/PID/status VmRSS): heap, native memory and RocksDB. */
  long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for " + label);
  }

  /** User + system CPU time of the process so far, in nanoseconds (/proc/PID/stat). */
  long cpuNanos() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
    // Fields after the command name (which is in parentheses and may contain spaces).
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * (1_000_000_000L / CLOCK_TICKS);
  }

  /** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
  private static final long CLOCK_TICKS = 100;

  private String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + command + " failed for " + label + ": " + out);
    }
    return out;
  }

  /** SIGTERM, then SIGKILL after 20 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
