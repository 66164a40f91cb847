package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * One {@code spec.rules[]} entry of an inbound-rules policy (Kuma 2.10+ style, no per-item
 * targetRef): its {@code default}, applied to the inbounds the top-level targetRef selects, for the
 * traffic its {@code matches} select (all traffic when there are none).
 */
public record RuleItem(List<RuleMatch> matches, ObjectNode conf) {
  public RuleItem {
    matches = matches == null ? List.of() : List.copyOf(matches);
    conf = Objects.requireNonNull(conf, "conf").deepCopy();
  }

  /** A rule for all traffic. */
  public RuleItem(ObjectNode conf) {
    this(List.of(), conf);
  }

  @Override
  public ObjectNode conf() {
    return conf.deepCopy();
  }
}
