package dev.chronomesh.projector.generate.policy;

import java.util.Comparator;
import java.util.List;

/** The policy plugins the generators apply, in their {@link PolicyPlugin#order()}. */
public final class PolicyPlugins {
  private static final List<PolicyPlugin> ALL =
      List.<PolicyPlugin>of().stream()
          .sorted(Comparator.comparingInt(PolicyPlugin::order))
          .toList();

  private PolicyPlugins() {}

  /** Every plugin, lowest order first. */
  public static List<PolicyPlugin> all() {
    return ALL;
  }
}
