package dev.chronomesh.benchmarks.harness;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** What was measured on one control plane, as named figures (JSON-ready, insertion-ordered). */
final class Measured {
  final String name;
  final Map<String, Object> figures = new LinkedHashMap<>();

  Measured(String name) {
    this.name = name;
  }

  void put(String key, Object value) {
    figures.put(key, value);
  }

  Object get(String key) {
    return figures.get(key);
  }

  /** p50, p99, max and count of a histogram of microseconds, in milliseconds. */
  static Map<String, Object> summary(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    m.put("p50_ms", ms(h.getValueAtPercentile(50)));
    m.put("p99_ms", ms(h.getValueAtPercentile(99)));
    m.put("max_ms", ms(h.getMaxValue()));
    return m;
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}
