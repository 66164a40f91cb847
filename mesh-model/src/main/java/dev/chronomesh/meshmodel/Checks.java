package dev.chronomesh.meshmodel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Value checks shared by the resource mappers; each returns null when valid, else a reason. */
final class Checks {
  static final int MAX_NAME_LENGTH = 253;

  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]*[a-z0-9])?");
  private static final Pattern TAG_KEY = Pattern.compile("[a-zA-Z0-9.\\-_:/]+");
  private static final Pattern TAG_VALUE = Pattern.compile("[a-zA-Z0-9.\\-_:]+");
  private static final Pattern SELECTOR_VALUE = Pattern.compile("[a-zA-Z0-9.\\-_:/]+|\\*");
  private static final Pattern LABEL_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern HOST_LABEL =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

  /** Kuma's mesh durations (mesh_helpers.go ParseDuration): one unit, or "0". */

  /** How much of an input value a message quotes at most. */
  static final int MAX_QUOTED = 100;

  private Checks() {}

  /** The value itself, or its first {@link #MAX_QUOTED} characters and "..." when longer. */
  static String excerpt(String value) {
    if (value.length() <= MAX_QUOTED) {
      return value;
    }
    int end = MAX_QUOTED;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(0, end) + "...";
  }

  /** A Kuma resource name: lowercase letters, digits, '-', '_' and '.', at most 253 characters. */
  static String name(String name) {
    if (name.isEmpty()) {
      return "cannot be empty";
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return "must be at most " + MAX_NAME_LENGTH + " characters";
    }
    if (!NAME.matcher(name).matches()) {
      return "invalid name \""
          + excerpt(name)
          + "\": valid characters are lowercase letters, digits, '-', '_' and '.', starting and"
          + " ending with a letter or digit";
    }
    return null;
  }

  static String tagKey(String key) {
    if (key.isEmpty()) {
      return "tag name must be non-empty";
    }
    if (!TAG_KEY.matcher(key).matches()) {
      return "tag name must consist of alphanumeric characters, dots, dashes, slashes, colons and"
          + " underscores";
    }
    return null;
  }

  static String tagValue(String value) {
    if (value.isEmpty()) {
      return "tag value must be non-empty";
    }
    if (!TAG_VALUE.matcher(value).matches()) {
      return "tag value must consist of alphanumeric characters, dots, dashes, colons and"
          + " underscores";
    }
    return null;
  }

  /**
   * A tag selector (Kuma's {@code ValidateSelector} with at least one tag): valid tag names, values
   * of tag characters and '/', or "*" (any non-empty value). Returns the valid entries.
   */
  static java.util.Map<String, String> selector(Obj owner, String field) {
    return selector(owner, field, true);
  }

  /** A tag selector as {@link #selector(Obj, String)}, which may be empty or absent. */
  static java.util.Map<String, String> selectorOrEmpty(Obj owner, String field) {
    return selector(owner, field, false);
  }

  private static java.util.Map<String, String> selector(
      Obj owner, String field, boolean atLeastOne) {
    String path = owner.path(field);
    java.util.Map<String, String> tags = owner.stringMap(field);
    java.util.Map<String, String> valid = new java.util.TreeMap<>();
    if (atLeastOne && tags.isEmpty() && (owner.raw(field) == null || owner.raw(field).isObject())) {
      owner.violations().add(path, "must have at least one tag");
    }
    tags.forEach(
        (key, value) -> {
          String reason = tagKey(key);
          if (reason == null && value.isEmpty()) {
            reason = "tag value must be non-empty";
          } else if (reason == null && !SELECTOR_VALUE.matcher(value).matches()) {
            reason =
                "tag value must consist of alphanumeric characters, dots, dashes, slashes and"
                    + " underscores or be \"*\"";
          }
          if (reason != null) {
            owner.violations().add(Violations.key(path, excerpt(key)), reason);
          } else {
            valid.put(key, value);
          }
        });
    return valid;
  }

  /** A Kubernetes-style label key: an optional DNS-subdomain prefix and '/', then a name. */
  static String labelKey(String key) {
    String prefix = null;
    String name = key;
    int slash = key.indexOf('/');
    if (slash >= 0) {
      prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
    }
    if (prefix != null
        && (prefix.isEmpty()
            || prefix.length() > 253
            || !dev.chronomesh.meshmodel.policy.DnsNames.SUBDOMAIN.matcher(prefix).matches())) {
      return "label key prefix must be a lowercase DNS subdomain of at most 253 characters";
    }
    if (name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
      return "label key name must be 1-63 characters: alphanumeric, '-', '_' or '.', starting and"
          + " ending with an alphanumeric character";
    }
    return null;
  }

  static String labelValue(String value) {
    if (value.isEmpty()) {
      return null;
    }
    if (value.length() > 63 || !LABEL_NAME.matcher(value).matches()) {
      return "label value must be at most 63 characters: alphanumeric, '-', '_' or '.', starting"
          + " and ending with an alphanumeric character";
    }
    return null;
  }

  /** An IPv4 or IPv6 literal, or a DNS hostname. Never resolves anything. */
  static String address(String address) {
    if (address.isEmpty()) {
      return "cannot be empty";
    }
    if (isIpLiteral(address) || isHostname(address)) {
      return null;
    }
    return "\"" + excerpt(address) + "\" is not a valid IP address or hostname";
  }

  static String port(long port) {
    return port >= 1 && port <= 65535 ? null : "port must be in the range from 1 to 65535";
  }

  /** An absolute URL path such as /healthz, as Go's url.ParseRequestURI accepts it in Kuma. */
  static String urlPath(String value) {
    String reason = "should be a valid URL Path";
    if (!value.startsWith("/")) {
      return reason;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        return reason;
      }
    }
    try {
      new java.net.URI(value);
      return null;
    } catch (java.net.URISyntaxException e) {
      return reason;
    }
  }

  static String duration(String value) {
    return MeshDuration.problem(value);
  }

  static boolean isIpLiteral(String address) {
    if (IPV4.matcher(address).matches()) {
      return true;
    }
    if (address.indexOf(':') < 0 || !IPV6_CHARS.matcher(address).matches()) {
      return false;
    }
    try {
      // A literal containing ':' is parsed, never looked up.
      return InetAddress.getByName(address) != null;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isHostname(String host) {
    if (host.length() > 253) {
      return false;
    }
    String[] labels =
        host.endsWith(".")
            ? host.substring(0, host.length() - 1).split("\\.", -1)
            : host.split("\\.", -1);
    for (String label : labels) {
      if (!HOST_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    // An all-numeric last label is a malformed IPv4 address, not a hostname.
    return !labels[labels.length - 1].matches("\\d+");
  }
}
