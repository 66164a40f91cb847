package dev.chronomesh.projector.generate.policy;

import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The configurer of every registered policy type ({@link Policies#all()}), in Kuma's plugin order
 * ({@link PolicyType#order()}): derived from the model's one list, not kept by hand. A type's
 * configurer is the class {@code <Type>Configurer} in {@code
 * dev.chronomesh.projector.generate.policies.<package>}, where {@code <package>} is the last
 * segment of the type's model package; a type without one fails here, at class initialization (and
 * in {@code PolicyConfigurersTest}), because an accepted policy must have an effect.
 */
public final class PolicyConfigurers {
  static final String PACKAGE = "dev.chronomesh.projector.generate.policies";

  private static final List<PolicyConfigurer<?>> ALL = load();

  private PolicyConfigurers() {}

  /** Every configurer, lowest order first. */
  public static List<PolicyConfigurer<?>> all() {
    return ALL;
  }

  /** The configurer of {@code type}. */
  @SuppressWarnings("unchecked")
  public static <C extends Record> PolicyConfigurer<C> of(PolicyType<C> type) {
    for (PolicyConfigurer<?> c : ALL) {
      if (c.type() == type) {
        return (PolicyConfigurer<C>) c;
      }
    }
    throw new IllegalArgumentException("no configurer for " + type);
  }

  /** The class name of {@code type}'s configurer. */
  static String className(PolicyType<?> type) {
    String model = type.confClass().getPackageName();
    return PACKAGE + model.substring(model.lastIndexOf('.')) + "." + type.name() + "Configurer";
  }

  private static List<PolicyConfigurer<?>> load() {
    List<PolicyConfigurer<?>> out = new ArrayList<>();
    for (PolicyType<?> type : Policies.all()) {
      String name = className(type);
      PolicyConfigurer<?> configurer;
      try {
        configurer =
            (PolicyConfigurer<?>) Class.forName(name).getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new IllegalStateException(
            "policy type "
                + type
                + " has no configurer "
                + name
                + " (a public class with a"
                + " public no-argument constructor implementing PolicyConfigurer)",
            e);
      }
      if (configurer.type() != type) {
        throw new IllegalStateException(
            name + " configures " + configurer.type() + ", not " + type);
      }
      out.add(configurer);
    }
    out.sort(Comparator.comparingInt(c -> c.type().order()));
    return List.copyOf(out);
  }
}
