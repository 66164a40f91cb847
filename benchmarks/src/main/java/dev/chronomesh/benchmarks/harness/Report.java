package dev.chronomesh.benchmarks.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The results as Markdown: one column per control plane and the ratio to the baseline. */
final class Report {
  private Report() {}

  @SuppressWarnings("unchecked")
  static String markdown(
      Map<String, Object> run, List<Measured> planes, Map<String, Object> write) {
    StringBuilder md = new StringBuilder();
    Map<String, Object> workload = (Map<String, Object>) run.get("workload");
    Map<String, Object> machine = (Map<String, Object>) run.get("machine");
    md.append("## Chronomesh scale harness — ").append(run.get("started")).append("\n\n");
    md.append("Workload: ")
        .append(workload.get("services"))
        .append(" services × ")
        .append(workload.get("dataplanesPerService"))
        .append(" dataplanes (fan-out ")
        .append(workload.get("fanOut"))
        .append("), ")
        .append(workload.get("proxies"))
        .append(" simulated proxies (half SotW, half delta), ")
        .append(workload.get("changesPerScenario"))
        .append(" changes per scenario (after ")
        .append(workload.get("warmupChangesPerScenario"))
        .append(" warm-up changes, not measured), broker: ")
        .append(workload.get("broker"))
        .append(".\n");
    md.append("Machine: ")
        .append(machine.get("cores"))
        .append(" cores, ")
        .append(machine.get("memory_gb"))
        .append(" GB, ")
        .append(machine.get("cpu"))
        .append(", JDK ")
        .append(machine.get("jdk"))
        .append(", commit ")
        .append(machine.get("commit"))
        .append(".\n\n");
    Measured ours = planes.get(0);
    Measured base = planes.size() > 1 ? planes.get(1) : null;
    md.append("| Figure | Chronomesh | Baseline | Chronomesh ÷ baseline |\n");
    md.append("|---|---:|---:|---:|\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(row("control plane ready (s)", ours, base, "ready_s"));
    rows.add(row("all proxies connected with a full config (s)", ours, base, "connect_all_s"));
    rows.add(row("heap after GC, no proxy connected (MB)", ours, base, "heap_idle_mb"));
    rows.add(row("heap after GC, all proxies connected (MB)", ours, base, "heap_connected_mb"));
    rows.add(
        row("heap per connected proxy (KB, connected − idle)", ours, base, "heap_per_proxy_kb"));
    rows.add(row("heap per proxy (KB, total ÷ proxies)", ours, base, "heap_total_per_proxy_kb"));
    rows.add(row("resident memory, all connected (MB)", ours, base, "rss_connected_mb"));
    for (String s : Scenarios.ALL) {
      rows.add(nested(s + ": proxies affected per change", ours, base, s, "affected_per_change"));
      for (String p : List.of("p50_ms", "p99_ms", "max_ms")) {
        rows.add(
            nested2(
                s + ": convergence " + p.replace("_ms", "") + " (ms, accepted → last ACK)",
                ours,
                base,
                s,
                "convergence_last_ack",
                p));
      }
      for (String p : List.of("p50_ms", "p99_ms")) {
        rows.add(
            nested2(
                s + ": first proxy " + p.replace("_ms", "") + " (ms, accepted → first ACK)",
                ours,
                base,
                s,
                "convergence_first_ack",
                p));
      }
      rows.add(nested(s + ": pushes (all changes)", ours, base, s, "pushes"));
      rows.add(nested(s + ": control-plane CPU per push (µs)", ours, base, s, "cpu_us_per_push"));
      rows.add(nested(s + ": changes not converged in 60 s", ours, base, s, "timeouts"));
    }
    rows.add(row("reconnect storm: all proxies → full config (s)", ours, base, "storm_s"));
    rows.add(row("reconnect storm: control-plane CPU (s)", ours, base, "storm_cpu_s"));
    for (String[] r : rows) {
      md.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    md.append(
        "\nWrite path and projector replay (Chronomesh only):\n\n| Figure | Value |\n|---|---:|\n");
    for (var e : write.entrySet()) {
      md.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
    }
    return md.toString();
  }

  private static String[] row(String label, Measured ours, Measured base, String key) {
    return cells(label, ours.get(key), base == null ? null : base.get(key));
  }

  @SuppressWarnings("unchecked")
  private static String[] nested(
      String label, Measured ours, Measured base, String scenario, String key) {
    Object a = ((Map<String, Object>) ours.get(scenario)).get(key);
    Object b = base == null ? null : ((Map<String, Object>) base.get(scenario)).get(key);
    return cells(label, a, b);
  }

  @SuppressWarnings("unchecked")
  private static String[] nested2(
      String label, Measured ours, Measured base, String scenario, String key, String sub) {
    Object a = ((Map<String, Object>) ((Map<String, Object>) ours.get(scenario)).get(key)).get(sub);
    Object b =
        base == null
            ? null
            : ((Map<String, Object>) ((Map<String, Object>) base.get(scenario)).get(key)).get(sub);
    return cells(label, a, b);
  }

  private static String[] cells(String label, Object ours, Object base) {
    String ratio = "";
    if (ours instanceof Number a && base instanceof Number b && b.doubleValue() != 0) {
      ratio = String.format("%.2f", a.doubleValue() / b.doubleValue());
    }
    return new String[] {label, str(ours), base == null ? "—" : str(base), ratio};
  }

  private static String str(Object o) {
    return o == null ? "—" : o.toString();
  }
}
