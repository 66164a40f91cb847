package dev.chronomesh.projector;

import dev.chronomesh.events.avro.ResourceEvent;
import java.util.List;

/**
 * The projector's event checks, for the baseline control plane of the benchmarks (split package:
 * this class lives in the benchmarks jar), so both control planes accept and skip the same events.
 */
public final class BaselineEvents {
  private BaselineEvents() {}

  /**
   * Every problem that makes the event unusable (as the projector dead-letters it); empty: valid.
   */
  public static List<String> problems(String key, ResourceEvent event) {
    return MeshProjector.problems(key, event);
  }
}
