package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One {@code spec.rules[]} entry of an inbound-rules policy (Kuma 2.10+ style, no per-item
 * targetRef): its {@code default}, applied to the inbounds the top-level targetRef selects.
 */
public record RuleItem(ObjectNode conf) {
  public RuleItem {
    conf = Objects.requireNonNull(conf, "conf").deepCopy();
  }

  @Override
  public ObjectNode conf() {
    return conf.deepCopy();
  }
}
