package dev.chronomesh.meshmodel.policy;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A policy's spec with its confs bound to the type's record, as its validator sees it. Only items
 * that bound are listed; each keeps its index in the document, so {@link Item#path()} is the
 * document's path.
 *
 * @param targetRef the top-level targetRef ({@code kind: Mesh} when the document has none)
 * @param defaultConf the top-level {@code spec.default}, or null
 * @param emptySections the list sections the document gives as an empty list ({@code to: []})
 */
public record TypedSpec<C extends Record>(
    TargetRef targetRef,
    List<Item<C>> to,
    List<Item<C>> from,
    List<Item<C>> rules,
    C defaultConf,
    Set<PolicyType.Section> emptySections) {

  public TypedSpec {
    Objects.requireNonNull(targetRef, "targetRef");
    to = List.copyOf(to);
    from = List.copyOf(from);
    rules = List.copyOf(rules);
    emptySections = Set.copyOf(emptySections);
  }

  /**
   * One {@code to}, {@code from} or {@code rules} item.
   *
   * @param section where it is
   * @param index its position in the document's list
   * @param targetRef its targetRef; null for {@code rules}, and when the item has none (a problem
   *     reported already)
   */
  public record Item<C>(PolicyType.Section section, int index, TargetRef targetRef, C conf) {
    public Item {
      Objects.requireNonNull(section, "section");
      Objects.requireNonNull(conf, "conf");
    }

    /** {@code spec.to[2]}. */
    public String path() {
      return "spec." + section.field() + "[" + index + "]";
    }

    /**
     * The path of the item's conf: {@code spec.to[2].default}, or the item itself for an inline
     * conf (a route's {@code rules}).
     */
    public String confPath(boolean inline) {
      return inline ? path() : path() + ".default";
    }
  }

  /** Every item of every section, in the order to, from, rules. */
  public List<Item<C>> items() {
    return java.util.stream.Stream.of(to, from, rules).flatMap(List::stream).toList();
  }
}
