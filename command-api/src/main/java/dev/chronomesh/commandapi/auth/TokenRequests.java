package dev.chronomesh.commandapi.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.auth.KumaDuration;
import dev.chronomesh.auth.UserRole;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.meshmodel.Violation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Parses and validates the bodies of the token endpoints, collecting every problem with its path
 * before refusing. Values from the body are echoed in reasons only where they are short names.
 */
final class TokenRequests {
  static final Duration DEFAULT_VALIDITY = Duration.ofHours(24);
  static final int MAX_NAME_LENGTH = 253;
  static final int MAX_ITEMS = 100;

  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]*[a-z0-9])?");
  private static final Pattern SUBJECT =
      Pattern.compile("[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?");
  private static final Pattern TAG_KEY = Pattern.compile("[a-zA-Z0-9.\\-_:/]+");
  private static final Pattern TAG_VALUE = Pattern.compile("[a-zA-Z0-9.\\-_:]+");
  private static final Pattern TOKEN_ID = Pattern.compile("[A-Za-z0-9._:-]+");

  /** {@code POST /tokens/user}. */
  record UserTokenRequest(
      String name, List<String> groups, UserRole role, Set<String> meshes, Duration validFor) {}

  /** {@code POST /tokens/dataplane}. */
  record DataplaneTokenRequest(
      String name, String mesh, Map<String, List<String>> tags, Duration validFor) {}

  /** {@code POST /tokens/revocations}; mesh is "_global" for user tokens. */
  record RevocationRequest(String tokenId, String type, String mesh) {}

  private final ObjectMapper json;

  TokenRequests(ObjectMapper json) {
    this.json = json;
  }

  UserTokenRequest userToken(byte[] body) {
    Reader r = new Reader(object(body), Set.of("name", "groups", "role", "meshes", "validFor"));
    String name = r.subject("name");
    List<String> groups = r.strings("groups", false);
    String roleText = r.string("role", false);
    UserRole role = UserRole.VIEWER;
    if (roleText != null) {
      role = UserRole.fromWireName(roleText).orElse(null);
      if (role == null) {
        r.problem("role", "must be one of admin, editor, viewer");
      }
    }
    List<String> meshList = r.strings("meshes", true);
    if (role == UserRole.EDITOR && meshList != null && meshList.isEmpty()) {
      r.problem("meshes", "an editor needs at least one mesh");
    }
    if (role != null && role != UserRole.EDITOR && meshList != null && !meshList.isEmpty()) {
      r.problem("meshes", "only an editor has meshes; an " + role.wireName() + " has none");
    }
    Duration validFor = r.validFor();
    r.finish();
    return new UserTokenRequest(
        name,
        groups == null ? List.of() : groups,
        role,
        meshList == null ? Set.of() : new TreeSet<>(meshList),
        validFor);
  }

  DataplaneTokenRequest dataplaneToken(byte[] body) {
    Reader r = new Reader(object(body), Set.of("name", "mesh", "tags", "type", "validFor"));
    String name = r.name("name");
    String mesh = r.name("mesh");
    String type = r.string("type", false);
    if (type != null && !type.equals("dataplane")) {
      r.problem("type", "must be dataplane (the only token type issued here)");
    }
    Map<String, List<String>> tags = r.tags("tags");
    Duration validFor = r.validFor();
    r.finish();
    return new DataplaneTokenRequest(name, mesh, tags, validFor);
  }

  RevocationRequest revocation(byte[] body) {
    Reader r = new Reader(object(body), Set.of("tokenId", "type", "mesh"));
    String tokenId = r.string("tokenId", true);
    if (tokenId != null
        && (tokenId.length() > MAX_NAME_LENGTH || !TOKEN_ID.matcher(tokenId).matches())) {
      r.problem(
          "tokenId",
          "must be a token id (the jti claim): at most 253 letters, digits, '.', '_', ':' or '-'");
    }
    String type = r.string("type", true);
    String mesh = null;
    if (type != null && !type.equals("dataplane") && !type.equals("user")) {
      r.problem("type", "must be dataplane or user");
    } else if ("user".equals(type)) {
      String given = r.string("mesh", false);
      if (given != null && !given.equals(KeyRing.GLOBAL)) {
        r.problem("mesh", "user tokens are not bound to a mesh: leave mesh out (or _global)");
      }
      mesh = KeyRing.GLOBAL;
    } else if ("dataplane".equals(type)) {
      mesh = r.name("mesh");
    }
    r.finish();
    return new RevocationRequest(tokenId, type, mesh);
  }

  /** Checks a mesh name given as a query parameter; null when valid, else the reason. */
  static String meshNameProblem(String mesh) {
    if (mesh == null || mesh.isEmpty()) {
      return "is required";
    }
    if (mesh.equals(KeyRing.GLOBAL)) {
      return null;
    }
    return nameProblem(mesh);
  }

  private static String nameProblem(String name) {
    if (name.length() > MAX_NAME_LENGTH) {
      return "must be at most " + MAX_NAME_LENGTH + " characters";
    }
    if (!NAME.matcher(name).matches()) {
      return "must consist of lowercase letters, digits, '-', '_' and '.', starting and ending"
          + " with a letter or digit";
    }
    return null;
  }

  private ObjectNode object(byte[] body) {
    if (body == null || body.length == 0) {
      throw new TokenProblem(400, "the request body is required: a JSON object");
    }
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new TokenProblem(400, "the request body is not valid JSON" + where);
    } catch (java.io.IOException e) {
      throw new TokenProblem(400, "the request body cannot be read");
    }
    if (!(node instanceof ObjectNode object)) {
      throw new TokenProblem(400, "the request body must be a JSON object");
    }
    return object;
  }

  /** Reads fields of one body, collecting violations; {@link #finish()} throws them all. */
  private static final class Reader {
    private final ObjectNode node;
    private final List<Violation> violations = new ArrayList<>();

    Reader(ObjectNode node, Set<String> known) {
      this.node = node;
      Iterator<String> names = node.fieldNames();
      List<String> unknown = new ArrayList<>();
      while (names.hasNext()) {
        String field = names.next();
        if (!known.contains(field)) {
          unknown.add(field);
        }
      }
      for (String field : unknown) {
        problem(
            shorten(field),
            "unknown field (known: " + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }

    void problem(String field, String reason) {
      violations.add(new Violation(field, reason));
    }

    void finish() {
      if (!violations.isEmpty()) {
        throw new TokenProblem(400, "invalid request body", violations);
      }
    }

    String string(String field, boolean required) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        if (required) {
          problem(field, "is required");
        }
        return null;
      }
      if (!value.isTextual()) {
        problem(field, "must be a string");
        return null;
      }
      if (required && value.asText().isEmpty()) {
        problem(field, "cannot be empty");
        return null;
      }
      return value.asText();
    }

    String name(String field) {
      String value = string(field, true);
      if (value == null) {
        return null;
      }
      String reason = nameProblem(value);
      if (reason != null) {
        problem(field, reason);
        return null;
      }
      return value;
    }

    String subject(String field) {
      String value = string(field, true);
      if (value == null) {
        return null;
      }
      if (value.length() > MAX_NAME_LENGTH || !SUBJECT.matcher(value).matches()) {
        problem(
            field, "must be 1-253 printable ASCII characters, without leading or trailing spaces");
        return null;
      }
      return value;
    }

    /** An array of names (meshes) or of free strings (groups); null when absent. */
    List<String> strings(String field, boolean names) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        return null;
      }
      if (!value.isArray()) {
        problem(field, "must be an array of strings");
        return null;
      }
      if (value.size() > MAX_ITEMS) {
        problem(field, "must have at most " + MAX_ITEMS + " items");
        return null;
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < value.size(); i++) {
        JsonNode item = value.get(i);
        String path = field + "[" + i + "]";
        if (!item.isTextual()) {
          problem(path, "must be a string");
          continue;
        }
        String text = item.asText();
        String reason =
            names
                ? nameProblem(text)
                : (text.length() > MAX_NAME_LENGTH || !SUBJECT.matcher(text).matches()
                    ? "must be 1-253 printable ASCII characters"
                    : null);
        if (reason != null) {
          problem(path, reason);
        } else {
          out.add(text);
        }
      }
      return out;
    }

    Map<String, List<String>> tags(String field) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        problem(field, "is required, with at least " + KumaTags.SERVICE);
        return null;
      }
      if (!value.isObject()) {
        problem(field, "must be an object of tag name to an array of values");
        return null;
      }
      if (value.size() > MAX_ITEMS) {
        problem(field, "must have at most " + MAX_ITEMS + " tags");
        return null;
      }
      Map<String, List<String>> tags = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
      while (entries.hasNext()) {
        Map.Entry<String, JsonNode> entry = entries.next();
        String key = entry.getKey();
        String path = field + "[\"" + shorten(key) + "\"]";
        if (key.isEmpty() || key.length() > MAX_NAME_LENGTH || !TAG_KEY.matcher(key).matches()) {
          problem(
              path,
              "tag name must be 1-253 alphanumeric characters, dots, dashes, slashes, colons and"
                  + " underscores");
          continue;
        }
        JsonNode values = entry.getValue();
        if (!values.isArray() || values.isEmpty()) {
          problem(path, "must be a non-empty array of tag values");
          continue;
        }
        List<String> list = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
          JsonNode item = values.get(i);
          if (!item.isTextual()
              || item.asText().isEmpty()
              || item.asText().length() > MAX_NAME_LENGTH
              || !TAG_VALUE.matcher(item.asText()).matches()) {
            problem(
                path + "[" + i + "]",
                "tag value must be 1-253 alphanumeric characters, dots, dashes, colons and"
                    + " underscores");
          } else {
            list.add(item.asText());
          }
        }
        tags.put(key, list);
      }
      if (!value.has(KumaTags.SERVICE)) {
        problem(field + "[\"" + KumaTags.SERVICE + "\"]", "is required");
      }
      return tags;
    }

    Duration validFor() {
      String text = string("validFor", false);
      if (text == null) {
        return node.has("validFor") && !node.get("validFor").isNull() ? null : DEFAULT_VALIDITY;
      }
      try {
        return KumaDuration.parse(text);
      } catch (IllegalArgumentException e) {
        problem("validFor", e.getMessage());
        return null;
      }
    }

    private static String shorten(String field) {
      return field.length() > 64 ? field.substring(0, 64) + "…" : field;
    }
  }
}
