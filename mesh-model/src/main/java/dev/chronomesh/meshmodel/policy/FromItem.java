package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** One {@code spec.from[]} entry: the callers (sources) it selects and its {@code default}. */
public record FromItem(TargetRef targetRef, ObjectNode conf) {
  public FromItem {
    Objects.requireNonNull(targetRef, "targetRef");
    conf = Objects.requireNonNull(conf, "conf").deepCopy();
  }

  @Override
  public ObjectNode conf() {
    return conf.deepCopy();
  }
}
