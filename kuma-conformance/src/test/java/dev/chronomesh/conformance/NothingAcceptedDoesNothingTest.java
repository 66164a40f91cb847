package dev.chronomesh.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chronomesh.meshmodel.policy.Policies;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyResources;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.GeneratedConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Nothing accepted does nothing: each accepted valid policy document of the corpus must change the
 * Envoy config of a mesh whose dataplanes it selects ({@link Scenario}), and so must each leaf of
 * its confs: removing it changes the config, or, where removing changes nothing (its value may be
 * Kuma's default), a different value does. What does not is listed in {@code
 * known-differences.yaml} ({@code effects}: the document id, or the id and the leaf's path).
 */
class NothingAcceptedDoesNothingTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern DURATION =
      Pattern.compile("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$");

  @Test
  void everyAcceptedSettingChangesTheGeneratedConfig() {
    SortedMap<String, String> found = new TreeMap<>();
    KumaConformanceTest.OUTCOMES.forEach(
        (id, outcome) -> {
          KumaDocument doc = KumaConformanceTest.DOCUMENTS.get(id);
          if (outcome.accepted() && doc.expectValid() && Policies.byName(doc.type()).isPresent()) {
            check(doc, found);
          }
        });
    KnownDifferences.check("effects", found, "accepted settings without effect");
  }

  private static void check(KumaDocument doc, SortedMap<String, String> found) {
    ObjectNode document = read(doc.text());
    PolicyType<?> type = Policies.byName(doc.type()).orElseThrow();
    List<List<Object>> leaves = leaves(type, document);
    if (leaves.isEmpty()) {
      // Sets nothing (an empty `to: []` only switches inherited settings off, empty lists).
      return;
    }
    Scenario scenario = Scenario.of(doc.type(), document);
    boolean callers = type.callerSide();
    List<GeneratedConfig> without = scenario.configs(List.of(), callers);
    Policy policy = policy(doc.type(), document).orElseThrow();
    List<GeneratedConfig> with = scenario.configs(List.of(policy), callers);
    if (with.equals(without)) {
      found.put(doc.id(), "changes no Envoy config of the dataplanes it selects");
      return;
    }
    for (List<Object> path : leaves) {
      ObjectNode removed = document.deepCopy();
      remove(removed, path);
      Optional<Policy> variant = policy(doc.type(), removed);
      if (variant.isEmpty() || !scenario.configs(List.of(variant.get()), callers).equals(with)) {
        continue; // required, or it has an effect
      }
      JsonNode value = at(document, path);
      JsonNode other = mutated(value);
      if (other != null) {
        ObjectNode changed = document.deepCopy();
        set(changed, path, other);
        Optional<Policy> v2 = policy(doc.type(), changed);
        if (v2.isPresent() && !scenario.configs(List.of(v2.get()), callers).equals(with)) {
          continue; // its value is Kuma's default: another value changes the config
        }
      }
      found.put(doc.id() + " " + join(path), "no effect on the Envoy config (" + value + ")");
    }
  }

  /** The policy of a document when Chronomesh accepts it. */
  private static Optional<Policy> policy(String type, ObjectNode document) {
    Outcome outcome = Outcome.of(type, document.toString());
    return outcome.accepted() ? PolicyResources.toEngine(outcome.record()) : Optional.empty();
  }

  /** The paths of the leaves of the document's confs, e.g. {@code spec.to[0].default.http.x}. */
  private static List<List<Object>> leaves(PolicyType<?> type, ObjectNode doc) {
    List<List<Object>> out = new ArrayList<>();
    JsonNode spec = doc.path("spec");
    for (String section : List.of("to", "from", "rules")) {
      JsonNode items = spec.path(section);
      for (int i = 0; i < items.size(); i++) {
        List<Object> base = List.of("spec", section, i);
        if (type.inlineTo() && section.equals("to")) {
          for (Map.Entry<String, JsonNode> e : iterable(items.get(i))) {
            if (!e.getKey().equals("targetRef")) {
              leaves(e.getValue(), plus(base, e.getKey()), out);
            }
          }
        } else if (items.get(i).has("default")) {
          leaves(items.get(i).get("default"), plus(base, "default"), out);
        }
      }
    }
    if (spec.has("default")) {
      leaves(spec.get("default"), List.of("spec", "default"), out);
    }
    return out;
  }

  private static void leaves(JsonNode node, List<Object> path, List<List<Object>> out) {
    if (node.isObject() && node.size() > 0) {
      for (Map.Entry<String, JsonNode> e : iterable(node)) {
        leaves(e.getValue(), plus(path, e.getKey()), out);
      }
    } else if (node.isArray() && node.size() > 0 && node.get(0).isContainerNode()) {
      for (int i = 0; i < node.size(); i++) {
        leaves(node.get(i), plus(path, i), out);
      }
    } else if (!(node.isContainerNode() && node.isEmpty())) {
      // An empty list or object sets nothing: it may change nothing, as Kuma's default.
      out.add(path);
    }
  }

  private static List<Object> plus(List<Object> path, Object step) {
    List<Object> out = new ArrayList<>(path);
    out.add(step);
    return List.copyOf(out);
  }

  /** Another valid-looking value: a different duration, number or boolean; null for others. */
  private static JsonNode mutated(JsonNode value) {
    if (value.isBoolean()) {
      return value.booleanValue()
          ? com.fasterxml.jackson.databind.node.BooleanNode.FALSE
          : com.fasterxml.jackson.databind.node.BooleanNode.TRUE;
    }
    if (value.isInt()) {
      return IntNode.valueOf(value.intValue() > 1 ? value.intValue() - 1 : value.intValue() + 1);
    }
    if (value.isTextual() && DURATION.matcher(value.textValue()).matches()) {
      return TextNode.valueOf(value.textValue().equals("1234ms") ? "4321ms" : "1234ms");
    }
    if (value.isTextual() && value.textValue().matches("\\d+(\\.\\d+)?")) {
      return TextNode.valueOf(value.textValue().equals("37") ? "38" : "37");
    }
    return null;
  }

  // ---- paths as steps (field names and list indexes), shown as spec.to[0].default.http.x

  private static JsonNode at(JsonNode root, List<Object> path) {
    JsonNode n = root;
    for (Object s : path) {
      n = s instanceof Integer i ? n.get(i) : n.get((String) s);
    }
    return n;
  }

  private static void remove(ObjectNode root, List<Object> path) {
    JsonNode parent = at(root, path.subList(0, path.size() - 1));
    Object last = path.get(path.size() - 1);
    if (last instanceof Integer i) {
      ((ArrayNode) parent).remove(i);
    } else {
      ((ObjectNode) parent).remove((String) last);
    }
  }

  private static void set(ObjectNode root, List<Object> path, JsonNode value) {
    JsonNode parent = at(root, path.subList(0, path.size() - 1));
    Object last = path.get(path.size() - 1);
    if (last instanceof Integer i) {
      ((ArrayNode) parent).set(i, value);
    } else {
      ((ObjectNode) parent).set((String) last, value);
    }
  }

  private static String join(List<Object> path) {
    StringBuilder b = new StringBuilder();
    for (Object s : path) {
      if (s instanceof Integer i) {
        b.append('[').append(i).append(']');
      } else if (((String) s).matches("[A-Za-z0-9_-]+")) {
        b.append(b.isEmpty() ? "" : ".").append(s);
      } else {
        b.append("[\"").append(s).append("\"]");
      }
    }
    return b.toString();
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    node.fields().forEachRemaining(out::add);
    return out;
  }

  private static ObjectNode read(String text) {
    try {
      return (ObjectNode) YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
