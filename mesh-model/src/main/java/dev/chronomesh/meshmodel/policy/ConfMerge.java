package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Merges policy confs in order of increasing precedence the way Kuma does: JSON merge patch (RFC
 * 7386: objects merge recursively, scalars and lists are replaced, {@code null} deletes the field)
 * with Kuma's exception that lists whose field name starts with {@code append} (MADR 016, the
 * {@code Append} prefix in {@code rules/merge/merge.go}) or whose dotted path is listed in {@code
 * appendPaths} are concatenated across all confs instead ({@code null} does not clear them, as in
 * Kuma where the appended slices are rebuilt from every conf). Lists in {@code mergeByKeyPaths}
 * (Kuma's {@code policyMerge:"mergeValuesByKey"}, used by route {@code rules} keyed by {@code
 * matches}) are concatenated, then entries with an equal key are collapsed into one entry whose
 * {@code default} is the merge of theirs, placed where the key last appeared. Output objects have
 * sorted keys.
 */
public final class ConfMerge {

  /** Kuma's naming convention for appendable lists (lower-cased JSON name of Go's "Append..."). */
  static final String APPEND_PREFIX = "append";

  /** The field of a merge-by-key entry holding the conf to merge (Kuma's {@code Default}). */
  static final String DEFAULT_FIELD = "default";

  private final Set<String> appendPaths;
  private final Map<String, String> mergeByKeyPaths;

  /**
   * @param appendPaths dotted paths from the conf root (e.g. {@code backends} or {@code
   *     http.requestHeaders}) of lists to append in addition to the {@code append*} fields
   * @param mergeByKeyPaths dotted paths of lists merged by key, each to the name of its key field
   *     (e.g. {@code rules -> matches})
   */
  public ConfMerge(Set<String> appendPaths, Map<String, String> mergeByKeyPaths) {
    this.appendPaths = Set.copyOf(Objects.requireNonNull(appendPaths, "appendPaths"));
    this.mergeByKeyPaths = Map.copyOf(Objects.requireNonNull(mergeByKeyPaths, "mergeByKeyPaths"));
  }

  /** A merge with appending paths and no merge-by-key lists. */
  public ConfMerge(Set<String> appendPaths) {
    this(appendPaths, Map.of());
  }

  /** Merges {@code confs}, the last one taking precedence; an empty list gives an empty object. */
  public ObjectNode merge(List<ObjectNode> confs) {
    ObjectNode acc = JsonNodeFactory.instance.objectNode();
    for (ObjectNode conf : confs) {
      patchObject(acc, Objects.requireNonNull(conf, "conf"), "");
    }
    new TreeMap<>(mergeByKeyPaths).forEach((path, key) -> collapseByKey(acc, path, key));
    return sorted(acc);
  }

  private void collapseByKey(ObjectNode acc, String path, String keyField) {
    String[] parts = path.split("\\.");
    JsonNode parent = acc;
    for (int i = 0; i < parts.length - 1 && parent != null; i++) {
      parent = parent.get(parts[i]);
    }
    String last = parts[parts.length - 1];
    if (parent == null || !parent.isObject() || !parent.path(last).isArray()) {
      return;
    }
    // group the entries' defaults by key value; a key's group sits at its last appearance
    Map<JsonNode, List<ObjectNode>> defaults = new java.util.LinkedHashMap<>();
    for (JsonNode entry : parent.get(last)) {
      JsonNode key = entry.path(keyField);
      List<ObjectNode> confs = defaults.remove(key);
      if (confs == null) confs = new ArrayList<>();
      if (entry.path(DEFAULT_FIELD).isObject()) confs.add((ObjectNode) entry.get(DEFAULT_FIELD));
      defaults.put(key, confs);
    }
    String prefix = path + "." + DEFAULT_FIELD + ".";
    Set<String> nestedAppend = new java.util.HashSet<>();
    for (String p : appendPaths) {
      if (p.startsWith(prefix)) nestedAppend.add(p.substring(prefix.length()));
    }
    ConfMerge nested = new ConfMerge(nestedAppend);
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    defaults.forEach(
        (key, confs) -> {
          ObjectNode entry = out.addObject();
          if (!key.isMissingNode()) entry.set(keyField, key.deepCopy());
          entry.set(DEFAULT_FIELD, nested.merge(confs));
        });
    ((ObjectNode) parent).set(last, out);
  }

  private void patchObject(ObjectNode acc, ObjectNode patch, String path) {
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = f.getKey();
      JsonNode value = f.getValue();
      String fieldPath = path.isEmpty() ? key : path + "." + key;
      JsonNode current = acc.get(key);
      boolean appendable = isAppendable(key, fieldPath);
      if (value.isNull() && appendable) {
        continue;
      } else if (value.isNull()) {
        acc.remove(key);
      } else if (value.isObject() && current != null && current.isObject()) {
        patchObject((ObjectNode) current, (ObjectNode) value, fieldPath);
      } else if (value.isArray() && current != null && current.isArray() && appendable) {
        ((ArrayNode) current).addAll((ArrayNode) pruneNulls(value));
      } else {
        acc.set(key, pruneNulls(value));
      }
    }
  }

  private boolean isAppendable(String key, String fieldPath) {
    return key.startsWith(APPEND_PREFIX)
        || appendPaths.contains(fieldPath)
        || mergeByKeyPaths.containsKey(fieldPath);
  }

  /** RFC 7386: nulls inside a value that is inserted (not merged) are dropped too. */
  private static JsonNode pruneNulls(JsonNode value) {
    if (value.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      value
          .fields()
          .forEachRemaining(
              e -> {
                if (!e.getValue().isNull()) out.set(e.getKey(), pruneNulls(e.getValue()));
              });
      return out;
    }
    if (value.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      value.forEach(e -> out.add(e.isNull() ? e : pruneNulls(e)));
      return out;
    }
    return value.deepCopy();
  }

  /** A deep copy with object keys in sorted order, so equal confs serialize identically. */
  static ObjectNode sorted(ObjectNode node) {
    return (ObjectNode) sortedNode(node);
  }

  private static JsonNode sortedNode(JsonNode node) {
    if (node.isObject()) {
      Map<String, JsonNode> byKey = new TreeMap<>();
      node.fields().forEachRemaining(e -> byKey.put(e.getKey(), e.getValue()));
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      byKey.forEach((k, v) -> out.set(k, sortedNode(v)));
      return out;
    }
    if (node.isArray()) {
      List<JsonNode> items = new ArrayList<>();
      node.forEach(e -> items.add(sortedNode(e)));
      return JsonNodeFactory.instance.arrayNode().addAll(items);
    }
    return node.deepCopy();
  }
}
