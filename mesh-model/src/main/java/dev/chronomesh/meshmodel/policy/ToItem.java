package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** One {@code spec.to[]} entry: the outbound destination it selects and its {@code default}. */
public record ToItem(TargetRef targetRef, ObjectNode conf) {
  public ToItem {
    Objects.requireNonNull(targetRef, "targetRef");
    conf = Objects.requireNonNull(conf, "conf").deepCopy();
  }

  @Override
  public ObjectNode conf() {
    return conf.deepCopy();
  }
}
