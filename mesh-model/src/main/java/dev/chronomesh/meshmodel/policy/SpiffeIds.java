package dev.chronomesh.meshmodel.policy;

/**
 * The rules of a SPIFFE ID as Kuma checks them (go-spiffe v2's {@code spiffeid.FromString}, with
 * its messages): {@code spiffe://}, a trust domain of lower-case letters, digits, dots, dashes and
 * underscores, then an optional path of non-empty segments of letters, digits, dots, dashes and
 * underscores, none {@code .} or {@code ..}, without a trailing slash.
 */
public final class SpiffeIds {
  private static final String SCHEME = "spiffe://";

  private SpiffeIds() {}

  /** What is wrong with {@code id}, in go-spiffe's words; null when it is a valid SPIFFE ID. */
  public static String problem(String id) {
    if (id == null || id.isEmpty()) {
      return "cannot be empty";
    }
    if (!id.startsWith(SCHEME)) {
      return "scheme is missing or invalid";
    }
    int at = SCHEME.length();
    while (at < id.length() && id.charAt(at) != '/') {
      if (!trustDomainChar(id.charAt(at))) {
        return "trust domain characters are limited to lowercase letters, numbers, dots, dashes,"
            + " and underscores";
      }
      at++;
    }
    if (at == SCHEME.length()) {
      return "trust domain is missing";
    }
    return pathProblem(id.substring(at));
  }

  private static String pathProblem(String path) {
    if (path.isEmpty()) {
      return null;
    }
    int start = 0;
    for (int end = 1; end <= path.length(); end++) {
      if (end < path.length() && path.charAt(end) != '/') {
        if (!pathChar(path.charAt(end))) {
          return "path segment characters are limited to letters, numbers, dots, dashes, and"
              + " underscores";
        }
        continue;
      }
      String segment = path.substring(start, end);
      if (segment.equals("/")) {
        return end == path.length()
            ? "path cannot have a trailing slash"
            : "path cannot contain empty segments";
      }
      if (segment.equals("/.") || segment.equals("/..")) {
        return "path cannot contain dot segments";
      }
      start = end;
    }
    return null;
  }

  private static boolean trustDomainChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  }

  private static boolean pathChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_';
  }
}
