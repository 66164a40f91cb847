package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violations;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds Kuma-style JSON (Jackson trees) to Java records and back: the one typed representation of a
 * policy's settings. Reading collects every problem with its path (unknown fields, wrong JSON
 * types, missing required fields, values a {@link Value} type refuses) instead of stopping at the
 * first; writing leaves nulls out and keeps the components' declaration order, so a document that
 * was read writes back to itself (canonically). The same metadata gives each type's JSON Schema for
 * the OpenAPI description.
 *
 * <p>Supported component types: {@code String}, {@code Integer}, {@code Long}, {@code Boolean},
 * {@code List<T>}, {@code Map<String, T>}, nested records, {@link JsonNode} (any JSON value) and
 * {@link Value} types (a class with {@code public static T read(JsonNode, String, Violations)} and
 * {@code public static ObjectNode schema()}, such as {@link GoDuration} and {@link IntOrString}). A
 * missing or null component is {@code null}; lists and maps are unmodifiable.
 */
public final class JsonBinding {
  /** The JSON name of a record component when it is not the component's name ({@code default}). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Json {
    String value();
  }

  /** A component that must be present and not null ("cannot be empty" otherwise). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Required {}

  /** A one-line description of a record component, shown in the JSON Schema. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Doc {
    String value();
  }

  /**
   * Fields Kuma's schema has in this object and Chronomesh does not implement yet: refused with
   * {@link Violations#NOT_SUPPORTED_YET} (and {@link #reason()}) rather than as unknown, so a Kuma
   * user learns the setting exists but has no effect here. Put on the record that binds the object.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  public @interface NotSupportedYet {
    /** The JSON field names. */
    String[] value();

    /** What is missing, or empty. */
    String reason() default "";
  }

  /**
   * A value bound from one JSON value with rules of its own (a duration, an int-or-string). Its
   * class also has {@code public static T read(JsonNode node, String path, Violations v)}, which
   * returns null after adding violations, and {@code public static ObjectNode schema()}.
   */
  public interface Value {
    /** The JSON form written back, equal to what was read. */
    JsonNode toJson();
  }

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Map<Type, Codec> CODECS = new ConcurrentHashMap<>();

  private JsonBinding() {}

  /**
   * The value of {@code node} as {@code type}, every problem added to {@code v} under {@code path}
   * (the document's path, e.g. {@code spec.to[0].default}). A value is returned even when some
   * problems were found, as long as it can be built, so that a validator can still check the rest
   * and every problem is reported at once: unknown fields are left out, a component of the wrong
   * type is null, a list with a bad element is null; a record that misses a required component
   * cannot be built and is null. Callers must check {@code v}.
   */
  public static <T> T read(Class<T> type, JsonNode node, String path, Violations v) {
    return type.cast(codec(type).read(node, path, v));
  }

  /**
   * The value of a document that was valid when it was written (a stored policy, a merge of stored
   * confs): a problem here is a bug, thrown as {@link IllegalStateException}.
   */
  public static <T> T readStored(Class<T> type, JsonNode node) {
    Violations v = new Violations();
    T value = read(type, node, "", v);
    if (!v.isEmpty()) {
      throw new IllegalStateException(
          "stored " + type.getSimpleName() + " does not bind: " + v.list());
    }
    return value;
  }

  /** The JSON form of a bound value (a record, list, map, {@link Value} or plain value). */
  public static JsonNode write(Object value) {
    if (value == null) {
      return F.nullNode();
    }
    if (value instanceof Record r) {
      return codec(r.getClass()).write(r);
    }
    if (value instanceof Value v) {
      return v.toJson();
    }
    if (value instanceof List<?> list) {
      ArrayNode out = F.arrayNode();
      list.forEach(e -> out.add(write(e)));
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode out = F.objectNode();
      new TreeMap<>(map).forEach((k, e) -> out.set(k.toString(), write(e)));
      return out;
    }
    if (value instanceof JsonNode json) {
      return json.deepCopy();
    }
    return scalar(value);
  }

  /** The JSON Schema (OpenAPI 3.1) of {@code type}. */
  public static ObjectNode schema(Class<?> type) {
    return codec(type).schema();
  }

  private static JsonNode scalar(Object value) {
    return switch (value) {
      case String s -> F.textNode(s);
      case Integer i -> F.numberNode(i);
      case Long l -> F.numberNode(l);
      case Boolean b -> F.booleanNode(b);
      default -> throw new IllegalArgumentException("cannot write " + value.getClass());
    };
  }

  // ---- codecs

  private interface Codec {
    /**
     * The value, or null with violations added when it cannot be built (see {@link
     * JsonBinding#read}). {@code node} is never null nor a null node.
     */
    Object read(JsonNode node, String path, Violations v);

    JsonNode write(Object value);

    ObjectNode schema();
  }

  private static Codec codec(Type type) {
    Codec known = CODECS.get(type);
    if (known != null) {
      return known;
    }
    Codec made = make(type);
    Codec raced = CODECS.putIfAbsent(type, made);
    return raced == null ? made : raced;
  }

  private static Codec make(Type type) {
    if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (raw == List.class) {
        return new ListCodec(args[0]);
      }
      if (raw == Map.class && args[0] == String.class) {
        return new MapCodec(args[1]);
      }
      throw new IllegalArgumentException("unsupported type " + type);
    }
    if (!(type instanceof Class<?> c)) {
      throw new IllegalArgumentException("unsupported type " + type);
    }
    if (c == String.class) {
      return new Scalar("a string", "string", JsonNode::isTextual, JsonNode::textValue);
    }
    if (c == Integer.class) {
      return new Scalar(
          "an integer",
          "integer",
          n -> n.isIntegralNumber() && n.canConvertToInt(),
          JsonNode::intValue);
    }
    if (c == Long.class) {
      return new Scalar(
          "an integer",
          "integer",
          n -> n.isIntegralNumber() && n.canConvertToLong(),
          JsonNode::longValue);
    }
    if (c == Boolean.class) {
      return new Scalar("a boolean", "boolean", JsonNode::isBoolean, JsonNode::booleanValue);
    }
    if (c == JsonNode.class) {
      return new AnyCodec();
    }
    if (Value.class.isAssignableFrom(c)) {
      return new ValueCodec(c);
    }
    if (c.isRecord()) {
      return new RecordCodec(c);
    }
    throw new IllegalArgumentException(
        "unsupported type " + c.getName() + " (use boxed types, records, List, Map or a Value)");
  }

  private record Scalar(
      String article,
      String jsonType,
      java.util.function.Predicate<JsonNode> accepts,
      java.util.function.Function<JsonNode, Object> value)
      implements Codec {
    @Override
    public Object read(JsonNode node, String path, Violations v) {
      if (!accepts.test(node)) {
        v.add(path, "must be " + article);
        return null;
      }
      return value.apply(node);
    }

    @Override
    public JsonNode write(Object value) {
      return scalar(value);
    }

    @Override
    public ObjectNode schema() {
      return F.objectNode().put("type", jsonType);
    }
  }

  private static final class AnyCodec implements Codec {
    @Override
    public Object read(JsonNode node, String path, Violations v) {
      return node.deepCopy();
    }

    @Override
    public JsonNode write(Object value) {
      return ((JsonNode) value).deepCopy();
    }

    @Override
    public ObjectNode schema() {
      return F.objectNode();
    }
  }

  private static final class ListCodec implements Codec {
    private final Type element;

    ListCodec(Type element) {
      this.element = element;
    }

    @Override
    public Object read(JsonNode node, String path, Violations v) {
      if (!node.isArray()) {
        v.add(path, "must be an array");
        return null;
      }
      Codec c = codec(element);
      List<Object> out = new ArrayList<>(node.size());
      boolean complete = true;
      for (int i = 0; i < node.size(); i++) {
        JsonNode e = node.get(i);
        String p = Violations.index(path, i);
        Object value = null;
        if (e.isNull()) {
          v.add(p, "cannot be empty");
        } else {
          value = c.read(e, p, v);
        }
        complete &= value != null;
        out.add(value);
      }
      // A list with a hole would shift the indices of the paths validators report: none at all.
      return complete ? Collections.unmodifiableList(out) : null;
    }

    @Override
    public JsonNode write(Object value) {
      Codec c = codec(element);
      ArrayNode out = F.arrayNode();
      for (Object e : (List<?>) value) {
        out.add(e == null ? F.nullNode() : c.write(e));
      }
      return out;
    }

    @Override
    public ObjectNode schema() {
      ObjectNode s = F.objectNode().put("type", "array");
      s.set("items", codec(element).schema());
      return s;
    }
  }

  private static final class MapCodec implements Codec {
    private final Type valueType;

    MapCodec(Type valueType) {
      this.valueType = valueType;
    }

    @Override
    public Object read(JsonNode node, String path, Violations v) {
      if (!node.isObject()) {
        v.add(path, "must be an object");
        return null;
      }
      Codec c = codec(valueType);
      Map<String, Object> out = new LinkedHashMap<>();
      boolean complete = true;
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String p = Violations.key(path, e.getKey());
        Object value = null;
        if (e.getValue().isNull()) {
          v.add(p, "cannot be empty");
        } else {
          value = c.read(e.getValue(), p, v);
        }
        complete &= value != null;
        out.put(e.getKey(), value);
      }
      return complete ? Collections.unmodifiableMap(out) : null;
    }

    @Override
    public JsonNode write(Object value) {
      Codec c = codec(valueType);
      ObjectNode out = F.objectNode();
      new TreeMap<>((Map<?, ?>) value).forEach((k, e) -> out.set(k.toString(), c.write(e)));
      return out;
    }

    @Override
    public ObjectNode schema() {
      ObjectNode s = F.objectNode().put("type", "object");
      s.set("additionalProperties", codec(valueType).schema());
      return s;
    }
  }

  private static final class ValueCodec implements Codec {
    private final MethodHandle read;
    private final MethodHandle schema;

    ValueCodec(Class<?> type) {
      try {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        this.read =
            lookup.findStatic(
                type,
                "read",
                MethodType.methodType(type, JsonNode.class, String.class, Violations.class));
        this.schema = lookup.findStatic(type, "schema", MethodType.methodType(ObjectNode.class));
      } catch (ReflectiveOperationException e) {
        throw new IllegalArgumentException(
            type.getName()
                + " must have public static read(JsonNode, String, Violations) and"
                + " schema()",
            e);
      }
    }

    @Override
    public Object read(JsonNode node, String path, Violations v) {
      try {
        return read.invoke(node, path, v);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public JsonNode write(Object value) {
      return ((Value) value).toJson();
    }

    @Override
    public ObjectNode schema() {
      try {
        return ((ObjectNode) schema.invoke()).deepCopy();
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static final class RecordCodec implements Codec {
    private record Component(
        String json, Type type, boolean required, String doc, Method accessor) {}

    private final Class<?> type;
    private final List<Component> components;
    private final Map<String, Integer> positions;
    private final Set<String> notSupportedYet;
    private final String notSupportedReason;
    private final MethodHandle constructor;

    RecordCodec(Class<?> type) {
      if (!Modifier.isPublic(type.getModifiers())) {
        throw new IllegalArgumentException("bound records must be public: " + type.getName());
      }
      this.type = type;
      NotSupportedYet refused = type.getAnnotation(NotSupportedYet.class);
      this.notSupportedYet = refused == null ? Set.of() : Set.of(refused.value());
      this.notSupportedReason = refused == null ? null : refused.reason();
      RecordComponent[] rc = type.getRecordComponents();
      List<Component> list = new ArrayList<>();
      Map<String, Integer> pos = new LinkedHashMap<>();
      Class<?>[] types = new Class<?>[rc.length];
      for (int i = 0; i < rc.length; i++) {
        Json name = rc[i].getAnnotation(Json.class);
        Doc doc = rc[i].getAnnotation(Doc.class);
        if (rc[i].getType().isPrimitive()) {
          throw new IllegalArgumentException(
              type.getName() + "." + rc[i].getName() + ": use a boxed type (null = absent)");
        }
        String json = name == null ? rc[i].getName() : name.value();
        list.add(
            new Component(
                json,
                rc[i].getGenericType(),
                rc[i].isAnnotationPresent(Required.class),
                doc == null ? null : doc.value(),
                rc[i].getAccessor()));
        pos.put(json, i);
        types[i] = rc[i].getType();
      }
      this.components = List.copyOf(list);
      this.positions = Collections.unmodifiableMap(pos);
      try {
        this.constructor =
            MethodHandles.publicLookup()
                .findConstructor(type, MethodType.methodType(void.class, types))
                .asSpreader(Object[].class, rc.length);
      } catch (ReflectiveOperationException e) {
        throw new IllegalArgumentException("no canonical constructor: " + type.getName(), e);
      }
    }

    @Override
    public Object read(JsonNode node, String path, Violations v) {
      if (!node.isObject()) {
        v.add(path, "must be an object");
        return null;
      }
      for (String name : iterable(node)) {
        if (notSupportedYet.contains(name)) {
          v.notSupportedYet(Violations.field(path, name), notSupportedReason);
        } else if (!positions.containsKey(name)) {
          v.unknownField(Violations.field(path, name));
        }
      }
      Object[] args = new Object[components.size()];
      boolean buildable = true;
      for (int i = 0; i < args.length; i++) {
        Component c = components.get(i);
        JsonNode value = node.get(c.json());
        String p = Violations.field(path, c.json());
        if (value == null || value.isNull()) {
          if (c.required()) {
            v.add(p, "cannot be empty");
          }
        } else {
          args[i] = codec(c.type()).read(value, p, v);
        }
        buildable &= !c.required() || args[i] != null;
      }
      if (!buildable) {
        return null;
      }
      try {
        return constructor.invoke(args);
      } catch (IllegalArgumentException e) {
        // A compact constructor's own check: report it as the record's problem.
        v.add(path, e.getMessage());
        return null;
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public JsonNode write(Object value) {
      ObjectNode out = F.objectNode();
      for (Component c : components) {
        Object field;
        try {
          field = c.accessor().invoke(value);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
        if (field != null) {
          out.set(c.json(), codec(c.type()).write(field));
        }
      }
      return out;
    }

    @Override
    public ObjectNode schema() {
      ObjectNode s = F.objectNode().put("type", "object");
      ObjectNode props = s.putObject("properties");
      Set<String> required = new LinkedHashSet<>();
      for (Component c : components) {
        ObjectNode p = codec(c.type()).schema();
        if (c.doc() != null) {
          p.put("description", c.doc());
        }
        props.set(c.json(), p);
        if (c.required()) {
          required.add(c.json());
        }
      }
      if (!required.isEmpty()) {
        ArrayNode r = s.putArray("required");
        required.forEach(r::add);
      }
      s.put("additionalProperties", false);
      return s;
    }

    @Override
    public String toString() {
      return "RecordCodec[" + type.getName() + "]";
    }
  }

  private static Iterable<String> iterable(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
