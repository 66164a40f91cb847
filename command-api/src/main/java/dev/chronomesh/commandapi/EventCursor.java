package dev.chronomesh.commandapi;

import dev.chronomesh.meshmodel.Violation;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code GET /events} continues: the next offset to read in each partition of the events
 * topic, written {@code <partition>-<offset>} and joined by {@code .} (as {@code 0-120.1-4.2-0}). A
 * page reads its partitions in order from these positions, so every event is returned exactly once
 * across pages however many partitions there are; events appended after a page was read are
 * returned by a later page. Pure.
 */
record EventCursor(SortedMap<Integer, Long> positions) {
  private static final Pattern PART = Pattern.compile("(\\d{1,6})-(\\d{1,19})");

  EventCursor {
    positions = Collections.unmodifiableSortedMap(new TreeMap<>(positions));
  }

  /** No position: every partition from the filter's start. */
  static final EventCursor START = new EventCursor(new TreeMap<>());

  /** The cursor of {@code raw}, or a 400 naming the parameter. */
  static EventCursor parse(String raw, int partitions) {
    SortedMap<Integer, Long> positions = new TreeMap<>();
    for (String part : raw.split("\\.", -1)) {
      Matcher m = PART.matcher(part);
      if (!m.matches()) {
        throw invalid(raw);
      }
      try {
        int partition = Integer.parseInt(m.group(1));
        long offset = Long.parseLong(m.group(2));
        if (partition >= partitions || positions.put(partition, offset) != null) {
          throw invalid(raw);
        }
      } catch (NumberFormatException e) {
        throw invalid(raw);
      }
    }
    return new EventCursor(positions);
  }

  /** The cursor with {@code partition} at {@code offset}. */
  EventCursor with(int partition, long offset) {
    SortedMap<Integer, Long> next = new TreeMap<>(positions);
    next.put(partition, offset);
    return new EventCursor(next);
  }

  /** The parameter's text. */
  String format() {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<Integer, Long> e : positions.entrySet()) {
      if (!out.isEmpty()) {
        out.append('.');
      }
      out.append(e.getKey()).append('-').append(e.getValue());
    }
    return out.toString();
  }

  private static ApiProblem invalid(String raw) {
    return new ApiProblem(
        400,
        "invalid query parameter cursor",
        List.of(
            new Violation(
                "cursor",
                "must be the cursor of a previous page's next link (<partition>-<offset>, joined"
                    + " by '.'), got "
                    + (raw.length() > 64 ? raw.substring(0, 64) + "…" : raw))));
  }
}
