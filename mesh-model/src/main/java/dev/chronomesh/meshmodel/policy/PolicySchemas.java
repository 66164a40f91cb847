package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;

/** The JSON Schema of a policy type's {@code spec}, derived from its sections and conf record. */
final class PolicySchemas {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private PolicySchemas() {}

  static ObjectNode spec(PolicyType<?> type) {
    ObjectNode schema = F.objectNode().put("type", "object");
    ObjectNode props = schema.putObject("properties");
    props.set("targetRef", targetRef(true));
    ObjectNode conf = JsonBinding.schema(type.confClass());
    for (Section section : Section.values()) {
      if (!type.sections().contains(section)) {
        continue;
      }
      if (section == Section.DEFAULT) {
        props.set("default", conf.deepCopy());
        continue;
      }
      ObjectNode item;
      if (section == Section.TO && type.inlineTo()) {
        item = conf.deepCopy();
        ((ObjectNode) item.get("properties")).set("targetRef", targetRef(false));
        item.withArray("required").add("targetRef");
      } else {
        item = F.objectNode().put("type", "object");
        ObjectNode itemProps = item.putObject("properties");
        ArrayNode required = item.putArray("required");
        if (section != Section.RULES) {
          itemProps.set("targetRef", targetRef(false));
          required.add("targetRef");
        }
        if (section == Section.RULES && type.ruleMatches()) {
          ObjectNode matches = itemProps.putObject("matches").put("type", "array");
          matches.set("items", JsonBinding.schema(RuleMatch.class));
        }
        itemProps.set("default", conf.deepCopy());
        required.add("default");
        item.put("additionalProperties", false);
      }
      ObjectNode list = props.putObject(section.field()).put("type", "array");
      list.set("items", item);
    }
    schema.put("additionalProperties", false);
    return schema;
  }

  private static ObjectNode targetRef(boolean top) {
    ObjectNode ref = F.objectNode().put("type", "object");
    ObjectNode props = ref.putObject("properties");
    ObjectNode kind = props.putObject("kind").put("type", "string");
    ArrayNode kinds = kind.putArray("enum");
    for (TargetRef.Kind k : TargetRef.Kind.values()) {
      kinds.add(k.wireName());
    }
    props.putObject("name").put("type", "string");
    props
        .putObject("tags")
        .put("type", "object")
        .putObject("additionalProperties")
        .put("type", "string");
    props
        .putObject("labels")
        .put("type", "object")
        .putObject("additionalProperties")
        .put("type", "string");
    ObjectNode section = props.putObject("sectionName");
    section.putArray("type").add("string").add("integer");
    if (top) {
      ObjectNode types = props.putObject("proxyTypes").put("type", "array");
      types.putObject("items").put("type", "string").putArray("enum").add("Sidecar").add("Gateway");
    }
    ref.putArray("required").add("kind");
    ref.put("additionalProperties", false);
    return ref;
  }
}
