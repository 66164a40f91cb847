package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A targetRef policy of one type (MeshTimeout, MeshRetry, ...) as the engine sees it: identity,
 * labels (which carry {@code kuma.io/origin} and {@code kuma.io/policy-role}), the top-level
 * targetRef and its {@code to}, {@code from} and {@code rules} sections.
 */
public record Policy(
    String type,
    String name,
    String mesh,
    Map<String, String> labels,
    TargetRef targetRef,
    List<ToItem> to,
    List<FromItem> from,
    List<RuleItem> rules,
    ObjectNode defaultConf) {

  public Policy {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(targetRef, "targetRef");
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    to = to == null ? List.of() : List.copyOf(to);
    from = from == null ? List.of() : List.copyOf(from);
    rules = rules == null ? List.of() : List.copyOf(rules);
    defaultConf = defaultConf == null ? null : defaultConf.deepCopy();
  }

  /** A policy without a top-level {@code default}. */
  public Policy(
      String type,
      String name,
      String mesh,
      Map<String, String> labels,
      TargetRef targetRef,
      List<ToItem> to,
      List<FromItem> from,
      List<RuleItem> rules) {
    this(type, name, mesh, labels, targetRef, to, from, rules, null);
  }

  /** The top-level {@code spec.default} (a copy), or null when the policy has none. */
  @Override
  public ObjectNode defaultConf() {
    return defaultConf == null ? null : defaultConf.deepCopy();
  }

  /** Every problem with this policy's targetRefs and sections, each with its path. */
  public List<Violation> violations() {
    List<Violation> out = new ArrayList<>();
    if (type.isBlank()) out.add(new Violation("type", "must not be blank"));
    if (name.isBlank()) out.add(new Violation("name", "must not be blank"));
    if (mesh.isBlank()) out.add(new Violation("mesh", "must not be blank"));
    out.addAll(targetRef.violations("spec.targetRef", TargetRef.Position.TOP));
    for (int i = 0; i < to.size(); i++) {
      out.addAll(
          to.get(i).targetRef().violations("spec.to[" + i + "].targetRef", TargetRef.Position.TO));
    }
    for (int i = 0; i < from.size(); i++) {
      out.addAll(
          from.get(i)
              .targetRef()
              .violations("spec.from[" + i + "].targetRef", TargetRef.Position.FROM));
    }
    // A type whose 'to' is for gateways (PolicyType#gatewayTo) may have both: its rules are for
    // sidecars; such a type's own validator says whether Kuma refuses the pair (MeshRateLimit).
    boolean toForGateways = Policies.byName(type).map(PolicyType::gatewayTo).orElse(false);
    if (!rules.isEmpty() && ((!to.isEmpty() && !toForGateways) || !from.isEmpty())) {
      out.add(new Violation("spec.rules", "must not be combined with 'to' or 'from'"));
    }
    return out;
  }

  /** Throws with every violation if this policy is not valid. */
  public void validate() throws ValidationException {
    List<Violation> v = violations();
    if (!v.isEmpty()) {
      throw new ValidationException(v);
    }
  }
}
