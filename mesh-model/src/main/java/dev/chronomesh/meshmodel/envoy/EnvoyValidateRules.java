package dev.chronomesh.meshmodel.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a protobuf message against the protoc-gen-validate rules its descriptors declare ({@code
 * validate.rules} on fields, {@code validate.required} on oneofs), recursively, unpacking {@code
 * Any} through a {@link JsonFormat.TypeRegistry}. Generic: nothing here knows Envoy's types.
 *
 * <p>Covered: string, bytes, all numeric types, bool const, enum, message required/skip, repeated,
 * map, Duration, Timestamp and Any rules. A packed {@code Any} of a type missing from the registry
 * is itself a violation, so nothing goes unchecked silently.
 */
public final class EnvoyValidateRules {
  /** One broken rule: the field path ({@code filter_chains[0].filters[1].name}) and the rule. */
  public record Violation(String path, String rule) {
    @Override
    public String toString() {
      return path + ": " + rule;
    }
  }

  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");
  private static final Pattern HEADER_VALUE =
      Pattern.compile("^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$");
  private static final Pattern LOOSE_HEADER = Pattern.compile("^[^\\u0000\\u000A\\u000D]*$");
  private static final Pattern HOSTNAME_LABEL =
      Pattern.compile("^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$");

  private final JsonFormat.TypeRegistry registry;
  private final List<Violation> violations = new ArrayList<>();

  private EnvoyValidateRules(JsonFormat.TypeRegistry registry) {
    this.registry = registry;
  }

  /** Every violation in {@code message}, in field order; empty when it satisfies every rule. */
  public static List<Violation> check(Message message, JsonFormat.TypeRegistry registry) {
    EnvoyValidateRules checker = new EnvoyValidateRules(Objects.requireNonNull(registry));
    checker.message("", message);
    return List.copyOf(checker.violations);
  }

  private void add(String path, String rule) {
    violations.add(new Violation(path.isEmpty() ? "<root>" : path, rule));
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private void message(String path, Message message) {
    Descriptor descriptor = message.getDescriptorForType();
    if (descriptor.getFullName().equals(Any.getDescriptor().getFullName())) {
      any(path, message);
      return;
    }
    if (descriptor.getOptions().getExtension(Validate.disabled)
        || descriptor.getOptions().getExtension(Validate.ignored)) {
      return;
    }
    for (OneofDescriptor oneof : descriptor.getRealOneofs()) {
      if (oneof.getOptions().getExtension(Validate.required) && !message.hasOneof(oneof)) {
        add(join(path, oneof.getName()), "oneof required: one of its fields must be set");
      }
    }
    for (FieldDescriptor field : descriptor.getFields()) {
      if (field.getRealContainingOneof() != null && !message.hasField(field)) {
        // Rules on a oneof member apply only to the member that is set.
        continue;
      }
      FieldRules rules = field.getOptions().getExtension(Validate.rules);
      String fieldPath = join(path, field.getName());
      if (field.isMapField()) {
        mapField(fieldPath, message, field, rules);
      } else if (field.isRepeated()) {
        repeatedField(fieldPath, message, field, rules);
      } else {
        boolean present = field.hasPresence() ? message.hasField(field) : true;
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          messageField(fieldPath, present ? (Message) message.getField(field) : null, rules);
        } else if (present
            && !(field.getRealContainingOneof() != null && !message.hasField(field))) {
          scalar(fieldPath, field, message.getField(field), rules);
        }
      }
    }
  }

  private void messageField(String path, Message value, FieldRules rules) {
    boolean required = rules.hasMessage() && rules.getMessage().getRequired();
    boolean skip = rules.hasMessage() && rules.getMessage().getSkip();
    switch (rules.getTypeCase()) {
      case DURATION -> {
        required |= rules.getDuration().getRequired();
        if (value != null) {
          duration(path, toDuration(value), rules.getDuration());
        }
      }
      case TIMESTAMP -> {
        required |= rules.getTimestamp().getRequired();
        if (value != null) {
          timestamp(path, toTimestamp(value), rules.getTimestamp());
        }
      }
      case ANY -> {
        required |= rules.getAny().getRequired();
        if (value != null) {
          String typeUrl =
              (String) value.getField(value.getDescriptorForType().findFieldByName("type_url"));
          if (!rules.getAny().getInList().isEmpty()
              && !rules.getAny().getInList().contains(typeUrl)) {
            add(path, "any.in: type " + typeUrl + " not in " + rules.getAny().getInList());
          }
          if (rules.getAny().getNotInList().contains(typeUrl)) {
            add(path, "any.not_in: type " + typeUrl + " is excluded");
          }
        }
      }
      default -> {
        // Wrapper types (UInt32Value, StringValue, ...) carry scalar rules for their value.
        if (value != null && isWrapper(value.getDescriptorForType())) {
          FieldDescriptor inner = value.getDescriptorForType().findFieldByName("value");
          scalar(path, inner, value.getField(inner), rules);
        }
      }
    }
    if (value == null) {
      if (required) {
        add(path, "message.required: must be set");
      }
      return;
    }
    if (!skip) {
      message(path, value);
    }
  }

  /** Unpacks an Any (generated or dynamic) through the registry and checks its content. */
  private void any(String path, Message any) {
    Descriptor d = any.getDescriptorForType();
    String typeUrl = (String) any.getField(d.findFieldByName("type_url"));
    ByteString value = (ByteString) any.getField(d.findFieldByName("value"));
    if (typeUrl.isEmpty()) {
      return;
    }
    Descriptor type = registry.find(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
    if (type == null) {
      add(path, "Any of type " + typeUrl + " is not in the type registry");
      return;
    }
    try {
      message(path + "<" + type.getFullName() + ">", DynamicMessage.parseFrom(type, value));
    } catch (InvalidProtocolBufferException e) {
      add(path, "Any value does not parse as " + type.getFullName());
    }
  }

  private static boolean isWrapper(Descriptor d) {
    return d.getFile().getName().equals("google/protobuf/wrappers.proto");
  }

  private void repeatedField(
      String path, Message message, FieldDescriptor field, FieldRules rules) {
    int n = message.getRepeatedFieldCount(field);
    FieldRules items = FieldRules.getDefaultInstance();
    if (rules.hasRepeated()) {
      Validate.RepeatedRules r = rules.getRepeated();
      if (r.hasMinItems() && n < r.getMinItems()) {
        add(path, "repeated.min_items: " + n + " < " + r.getMinItems());
      }
      if (r.hasMaxItems() && n > r.getMaxItems()) {
        add(path, "repeated.max_items: " + n + " > " + r.getMaxItems());
      }
      if (r.getUnique()) {
        Set<Object> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
          if (!seen.add(message.getRepeatedField(field, i))) {
            add(path + "[" + i + "]", "repeated.unique: duplicate item");
          }
        }
      }
      items = r.getItems();
    }
    for (int i = 0; i < n; i++) {
      element(path + "[" + i + "]", field, message.getRepeatedField(field, i), items);
    }
  }

  private void mapField(String path, Message message, FieldDescriptor field, FieldRules rules) {
    int n = message.getRepeatedFieldCount(field);
    FieldRules keys = FieldRules.getDefaultInstance();
    FieldRules values = FieldRules.getDefaultInstance();
    if (rules.hasMap()) {
      Validate.MapRules r = rules.getMap();
      if (r.hasMinPairs() && n < r.getMinPairs()) {
        add(path, "map.min_pairs: " + n + " < " + r.getMinPairs());
      }
      if (r.hasMaxPairs() && n > r.getMaxPairs()) {
        add(path, "map.max_pairs: " + n + " > " + r.getMaxPairs());
      }
      keys = r.getKeys();
      values = r.getValues();
    }
    FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    for (int i = 0; i < n; i++) {
      Message entry = (Message) message.getRepeatedField(field, i);
      Object key = entry.getField(keyField);
      Object value = entry.getField(valueField);
      String entryPath = path + "[" + key + "]";
      scalar(entryPath + "<key>", keyField, key, keys);
      element(entryPath, valueField, value, values);
    }
  }

  private void element(String path, FieldDescriptor field, Object value, FieldRules rules) {
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      messageField(path, (Message) value, rules);
    } else {
      scalar(path, field, value, rules);
    }
  }

  private void scalar(String path, FieldDescriptor field, Object value, FieldRules rules) {
    switch (rules.getTypeCase()) {
      case STRING -> string(path, (String) value, rules.getString());
      case BYTES -> bytes(path, (ByteString) value, rules.getBytes());
      case ENUM -> enumValue(path, (EnumValueDescriptor) value, rules.getEnum());
      case BOOL -> {
        if (rules.getBool().hasConst() && rules.getBool().getConst() != (Boolean) value) {
          add(path, "bool.const: must be " + rules.getBool().getConst());
        }
      }
      case INT32 -> numeric(path, ((Number) value).longValue(), rules.getInt32());
      case INT64 -> numeric(path, ((Number) value).longValue(), rules.getInt64());
      case SINT32 -> numeric(path, ((Number) value).longValue(), rules.getSint32());
      case SINT64 -> numeric(path, ((Number) value).longValue(), rules.getSint64());
      case SFIXED32 -> numeric(path, ((Number) value).longValue(), rules.getSfixed32());
      case SFIXED64 -> numeric(path, ((Number) value).longValue(), rules.getSfixed64());
      case UINT32 -> numeric(path, Integer.toUnsignedLong((Integer) value), rules.getUint32());
      case FIXED32 -> numeric(path, Integer.toUnsignedLong((Integer) value), rules.getFixed32());
      case UINT64, FIXED64 -> {
        // Unsigned 64-bit values above Long.MAX_VALUE do not occur in generated config; compare
        // as signed, which is exact for every value below 2^63.
        Message r =
            rules.getTypeCase() == FieldRules.TypeCase.UINT64
                ? rules.getUint64()
                : rules.getFixed64();
        numeric(path, (Long) value, r);
      }
      case DOUBLE -> numeric(path, ((Number) value).doubleValue(), rules.getDouble());
      case FLOAT -> numeric(path, ((Number) value).doubleValue(), rules.getFloat());
      default -> {}
    }
  }

  /**
   * Numeric rules share their shape across the ten numeric rule messages (const, lt, lte, gt, gte,
   * in, not_in), so they are read reflectively by field name.
   */
  private void numeric(String path, double value, Message rules) {
    Descriptor d = rules.getDescriptorForType();
    String kind = d.getName().replace("Rules", "").toLowerCase(java.util.Locale.ROOT);
    Double constant = optional(rules, "const");
    Double lt = optional(rules, "lt");
    Double lte = optional(rules, "lte");
    Double gt = optional(rules, "gt");
    Double gte = optional(rules, "gte");
    if (constant != null && value != constant) {
      add(path, kind + ".const: " + fmt(value) + " != " + fmt(constant));
    }
    Double upper = lt != null ? lt : lte;
    Double lower = gt != null ? gt : gte;
    boolean aboveLower = lower == null || (gt != null ? value > gt : value >= gte);
    boolean belowUpper = upper == null || (lt != null ? value < lt : value <= lte);
    if (lower != null && upper != null && upper < lower) {
      // Exclusive range: the value must lie outside [upper, lower].
      if (!aboveLower && !belowUpper) {
        add(path, kind + ": " + fmt(value) + " must be outside the excluded range");
      }
    } else {
      if (!aboveLower) {
        add(
            path,
            kind
                + (gt != null
                    ? ".gt: " + fmt(value) + " <= " + fmt(gt)
                    : ".gte: " + fmt(value) + " < " + fmt(gte)));
      }
      if (!belowUpper) {
        add(
            path,
            kind
                + (lt != null
                    ? ".lt: " + fmt(value) + " >= " + fmt(lt)
                    : ".lte: " + fmt(value) + " > " + fmt(lte)));
      }
    }
    List<Double> in = list(rules, "in");
    if (!in.isEmpty() && !in.contains(value)) {
      add(path, kind + ".in: " + fmt(value) + " not in " + in);
    }
    if (list(rules, "not_in").contains(value)) {
      add(path, kind + ".not_in: " + fmt(value) + " is excluded");
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static Double optional(Message rules, String name) {
    FieldDescriptor f = rules.getDescriptorForType().findFieldByName(name);
    return f != null && rules.hasField(f) ? ((Number) rules.getField(f)).doubleValue() : null;
  }

  private static List<Double> list(Message rules, String name) {
    FieldDescriptor f = rules.getDescriptorForType().findFieldByName(name);
    List<Double> out = new ArrayList<>();
    if (f != null) {
      for (Object o : (List<?>) rules.getField(f)) {
        out.add(((Number) o).doubleValue());
      }
    }
    return out;
  }

  private void string(String path, String value, Validate.StringRules r) {
    long chars = value.codePointCount(0, value.length());
    long bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (r.hasConst() && !value.equals(r.getConst())) {
      add(path, "string.const: must be \"" + r.getConst() + "\"");
    }
    if (r.hasLen() && chars != r.getLen()) {
      add(path, "string.len: " + chars + " != " + r.getLen());
    }
    if (r.hasMinLen() && chars < r.getMinLen()) {
      add(path, "string.min_len: " + chars + " < " + r.getMinLen());
    }
    if (r.hasMaxLen() && chars > r.getMaxLen()) {
      add(path, "string.max_len: " + chars + " > " + r.getMaxLen());
    }
    if (r.hasLenBytes() && bytes != r.getLenBytes()) {
      add(path, "string.len_bytes: " + bytes + " != " + r.getLenBytes());
    }
    if (r.hasMinBytes() && bytes < r.getMinBytes()) {
      add(path, "string.min_bytes: " + bytes + " < " + r.getMinBytes());
    }
    if (r.hasMaxBytes() && bytes > r.getMaxBytes()) {
      add(path, "string.max_bytes: " + bytes + " > " + r.getMaxBytes());
    }
    if (r.hasPrefix() && !value.startsWith(r.getPrefix())) {
      add(path, "string.prefix: must start with \"" + r.getPrefix() + "\"");
    }
    if (r.hasSuffix() && !value.endsWith(r.getSuffix())) {
      add(path, "string.suffix: must end with \"" + r.getSuffix() + "\"");
    }
    if (r.hasContains() && !value.contains(r.getContains())) {
      add(path, "string.contains: must contain \"" + r.getContains() + "\"");
    }
    if (r.hasNotContains() && value.contains(r.getNotContains())) {
      add(path, "string.not_contains: must not contain \"" + r.getNotContains() + "\"");
    }
    if (r.hasPattern() && !Pattern.compile(r.getPattern()).matcher(value).find()) {
      add(path, "string.pattern: does not match " + r.getPattern());
    }
    if (!r.getInList().isEmpty() && !r.getInList().contains(value)) {
      add(path, "string.in: \"" + value + "\" not in " + r.getInList());
    }
    if (r.getNotInList().contains(value)) {
      add(path, "string.not_in: \"" + value + "\" is excluded");
    }
    String wellKnown = wellKnown(value, r);
    if (wellKnown != null) {
      add(path, "string." + wellKnown);
    }
  }

  /** The broken well-known format of {@code value}, or null. */
  private static String wellKnown(String value, Validate.StringRules r) {
    boolean strict = !r.hasStrict() || r.getStrict();
    return switch (r.getWellKnownCase()) {
      case HOSTNAME -> r.getHostname() && !isHostname(value) ? "hostname: not a hostname" : null;
      case IP -> r.getIp() && !isIp(value, 0) ? "ip: not an IP address" : null;
      case IPV4 -> r.getIpv4() && !isIp(value, 4) ? "ipv4: not an IPv4 address" : null;
      case IPV6 -> r.getIpv6() && !isIp(value, 6) ? "ipv6: not an IPv6 address" : null;
      case ADDRESS ->
          r.getAddress() && !isIp(value, 0) && !isHostname(value)
              ? "address: not a hostname or IP"
              : null;
      case EMAIL ->
          r.getEmail() && !value.matches("^[^@\\s]+@[^@\\s]+$")
              ? "email: not an email address"
              : null;
      case URI -> r.getUri() && !isUri(value, true) ? "uri: not an absolute URI" : null;
      case URI_REF -> r.getUriRef() && !isUri(value, false) ? "uri_ref: not a URI reference" : null;
      case UUID ->
          r.getUuid() && !value.matches("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
              ? "uuid: not a UUID"
              : null;
      case WELL_KNOWN_REGEX ->
          switch (r.getWellKnownRegex()) {
            case HTTP_HEADER_NAME ->
                !(strict ? HEADER_NAME : LOOSE_HEADER).matcher(value).matches()
                    ? "well_known_regex: not an HTTP header name"
                    : null;
            case HTTP_HEADER_VALUE ->
                !(strict ? HEADER_VALUE : LOOSE_HEADER).matcher(value).matches()
                    ? "well_known_regex: not an HTTP header value"
                    : null;
            default -> null;
          };
      default -> null;
    };
  }

  private static boolean isHostname(String value) {
    String v = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
    if (v.isEmpty() || v.length() > 253) {
      return false;
    }
    for (String label : v.split("\\.", -1)) {
      if (label.length() > 63 || !HOSTNAME_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /** An IP literal (no name resolution: only digits, dots, colons and hex pass to the parser). */
  private static boolean isIp(String value, int version) {
    if (value.isEmpty() || !value.matches("^[0-9a-fA-F.:]+$")) {
      return false;
    }
    boolean v6 = value.indexOf(':') >= 0;
    if (!v6 && !value.matches("^(\\d{1,3}\\.){3}\\d{1,3}$")) {
      return false;
    }
    try {
      InetAddress address = InetAddress.getByName(value);
      int bytes = address.getAddress().length;
      return version == 0 || (version == 4 ? bytes == 4 && !v6 : v6);
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static boolean isUri(String value, boolean absolute) {
    try {
      java.net.URI uri = new java.net.URI(value);
      return !absolute || uri.isAbsolute();
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private void bytes(String path, ByteString value, Validate.BytesRules r) {
    if (r.hasConst() && !value.equals(r.getConst())) {
      add(path, "bytes.const: differs");
    }
    if (r.hasLen() && value.size() != r.getLen()) {
      add(path, "bytes.len: " + value.size() + " != " + r.getLen());
    }
    if (r.hasMinLen() && value.size() < r.getMinLen()) {
      add(path, "bytes.min_len: " + value.size() + " < " + r.getMinLen());
    }
    if (r.hasMaxLen() && value.size() > r.getMaxLen()) {
      add(path, "bytes.max_len: " + value.size() + " > " + r.getMaxLen());
    }
    if (r.hasPrefix() && !value.startsWith(r.getPrefix())) {
      add(path, "bytes.prefix: differs");
    }
    if (r.hasSuffix() && !value.endsWith(r.getSuffix())) {
      add(path, "bytes.suffix: differs");
    }
    if (r.hasPattern()
        && !Pattern.compile(r.getPattern())
            .matcher(value.toString(StandardCharsets.ISO_8859_1))
            .find()) {
      add(path, "bytes.pattern: does not match " + r.getPattern());
    }
    if (!r.getInList().isEmpty() && !r.getInList().contains(value)) {
      add(path, "bytes.in: not in the allowed values");
    }
    if (r.getNotInList().contains(value)) {
      add(path, "bytes.not_in: is excluded");
    }
  }

  private void enumValue(String path, EnumValueDescriptor value, Validate.EnumRules r) {
    int number = value.getNumber();
    if (r.hasConst() && number != r.getConst()) {
      add(path, "enum.const: " + number + " != " + r.getConst());
    }
    if (r.getDefinedOnly() && value.getType().findValueByNumber(number) == null) {
      add(
          path,
          "enum.defined_only: " + number + " is not a value of " + value.getType().getFullName());
    }
    if (!r.getInList().isEmpty() && !r.getInList().contains(number)) {
      add(path, "enum.in: " + number + " not in " + r.getInList());
    }
    if (r.getNotInList().contains(number)) {
      add(path, "enum.not_in: " + number + " is excluded");
    }
  }

  private void duration(String path, Duration value, Validate.DurationRules r) {
    timeRange(
        path,
        "duration",
        nanos(value),
        r.hasConst() ? nanos(r.getConst()) : null,
        r.hasLt() ? nanos(r.getLt()) : null,
        r.hasLte() ? nanos(r.getLte()) : null,
        r.hasGt() ? nanos(r.getGt()) : null,
        r.hasGte() ? nanos(r.getGte()) : null);
    List<java.math.BigInteger> in = r.getInList().stream().map(EnvoyValidateRules::nanos).toList();
    if (!in.isEmpty() && !in.contains(nanos(value))) {
      add(path, "duration.in: not an allowed value");
    }
    if (r.getNotInList().stream().map(EnvoyValidateRules::nanos).toList().contains(nanos(value))) {
      add(path, "duration.not_in: is excluded");
    }
  }

  private void timestamp(String path, Timestamp value, Validate.TimestampRules r) {
    timeRange(
        path,
        "timestamp",
        nanos(value.getSeconds(), value.getNanos()),
        r.hasConst() ? nanos(r.getConst().getSeconds(), r.getConst().getNanos()) : null,
        r.hasLt() ? nanos(r.getLt().getSeconds(), r.getLt().getNanos()) : null,
        r.hasLte() ? nanos(r.getLte().getSeconds(), r.getLte().getNanos()) : null,
        r.hasGt() ? nanos(r.getGt().getSeconds(), r.getGt().getNanos()) : null,
        r.hasGte() ? nanos(r.getGte().getSeconds(), r.getGte().getNanos()) : null);
    // lt_now / gt_now / within depend on the clock: deliberately not checked (pure, repeatable).
  }

  private void timeRange(
      String path,
      String kind,
      java.math.BigInteger v,
      java.math.BigInteger constant,
      java.math.BigInteger lt,
      java.math.BigInteger lte,
      java.math.BigInteger gt,
      java.math.BigInteger gte) {
    if (constant != null && v.compareTo(constant) != 0) {
      add(path, kind + ".const: differs");
    }
    if (lt != null && v.compareTo(lt) >= 0) {
      add(path, kind + ".lt: " + v + "ns >= " + lt + "ns");
    }
    if (lte != null && v.compareTo(lte) > 0) {
      add(path, kind + ".lte: " + v + "ns > " + lte + "ns");
    }
    if (gt != null && v.compareTo(gt) <= 0) {
      add(path, kind + ".gt: " + v + "ns <= " + gt + "ns");
    }
    if (gte != null && v.compareTo(gte) < 0) {
      add(path, kind + ".gte: " + v + "ns < " + gte + "ns");
    }
  }

  private static java.math.BigInteger nanos(Duration d) {
    return nanos(d.getSeconds(), d.getNanos());
  }

  private static java.math.BigInteger nanos(long seconds, int nanos) {
    return java.math.BigInteger.valueOf(seconds)
        .multiply(java.math.BigInteger.valueOf(1_000_000_000L))
        .add(java.math.BigInteger.valueOf(nanos));
  }

  private static Duration toDuration(Message m) {
    try {
      return m instanceof Duration d ? d : Duration.parseFrom(m.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Duration always re-parses", e);
    }
  }

  private static Timestamp toTimestamp(Message m) {
    try {
      return m instanceof Timestamp t ? t : Timestamp.parseFrom(m.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Timestamp always re-parses", e);
    }
  }
}
