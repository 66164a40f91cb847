package dev.chronomesh.meshmodel.policies.meshhttproute;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.DnsNames;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.JsonBinding.Json;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyChecks.BackendRef;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderMatch;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderValue;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kuma's MeshHTTPRoute ({@code pkg/plugins/policies/meshhttproute}): HTTP routing towards a service
 * ({@code to[]} items with {@code rules} of matches, filters and weighted backends). Rules of
 * several policies merge by their {@code matches}. See {@code docs/policies/meshhttproute.md}.
 */
public final class MeshHTTPRoute {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshHTTPRoute", Conf.class)
          .plural("meshhttproutes")
          .displayNames("Mesh HTTP Route", "Mesh HTTP Routes")
          .summary("HTTP routing: matches, filters, weighted backends.")
          .order(100)
          .sections(Section.TO)
          .inlineTo()
          .toKinds(TargetRef.Kind.MESH_SERVICE)
          .mergeByKey(Map.of("rules", "matches"))
          .validator(MeshHTTPRoute::validate)
          .build();

  /** HTTP methods a match may name. */
  public static final Set<String> HTTP_METHODS =
      Set.of("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE");

  private MeshHTTPRoute() {}

  /**
   * A {@code to[]} item's routing: its rules. {@code hostnames} is Kuma's field for routes of a
   * MeshGateway (the only place Kuma accepts it); it is read to be refused.
   */
  public record Conf(List<String> hostnames, @Required List<Rule> rules) {}

  public record Rule(@Required List<Match> matches, @Required @Json("default") RuleConf conf) {}

  public record Match(
      PathMatch path,
      String method,
      List<QueryParamMatch> queryParams,
      List<HeaderMatch> headers) {}

  /** type Exact, PathPrefix or RegularExpression. */
  public record PathMatch(@Required String type, @Required String value) {}

  /** type Exact or RegularExpression. */
  public record QueryParamMatch(
      @Required String type, @Required String name, @Required String value) {}

  public record RuleConf(List<Filter> filters, List<BackendRef> backendRefs) {}

  /**
   * type RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite or
   * RequestMirror, with the section of that type.
   */
  public record Filter(
      @Required String type,
      HeaderModifier requestHeaderModifier,
      HeaderModifier responseHeaderModifier,
      RequestRedirect requestRedirect,
      UrlRewrite urlRewrite,
      RequestMirror requestMirror) {}

  public record HeaderModifier(List<HeaderValue> add, List<HeaderValue> set, List<String> remove) {}

  /** A path rewrite: type ReplaceFullPath or ReplacePrefixMatch. */
  public record PathModifier(
      @Required String type, String replaceFullPath, String replacePrefixMatch) {}

  public record RequestRedirect(
      String scheme, String hostname, PathModifier path, Integer port, Integer statusCode) {}

  /**
   * A rewrite of the host and path; {@code hostToBackendHostname} (the Host header becomes the
   * upstream host's hostname: Envoy's {@code auto_host_rewrite}) is for MeshGateway routes only, as
   * in Kuma.
   */
  public record UrlRewrite(String hostname, PathModifier path, Boolean hostToBackendHostname) {}

  public record RequestMirror(@Required BackendRef backendRef, IntOrString percentage) {}

  private static final Map<String, String> FILTER_SECTIONS =
      Map.of(
          "RequestHeaderModifier", "requestHeaderModifier",
          "ResponseHeaderModifier", "responseHeaderModifier",
          "RequestRedirect", "requestRedirect",
          "URLRewrite", "urlRewrite",
          "RequestMirror", "requestMirror");

  /** The kinds of a request mirror's backendRef (Kuma's validateFilters). */
  private static final Set<String> MIRROR_KINDS = Set.of("MeshService", "MeshServiceSubset");

  private static final Pattern IPV4 = Pattern.compile("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    boolean gateway = spec.targetRef().kind() == TargetRef.Kind.MESH_GATEWAY;
    for (TypedSpec.Item<Conf> item : spec.to()) {
      String path = item.path();
      Conf conf = item.conf();
      if (conf.hostnames() != null && !conf.hostnames().isEmpty()) {
        if (!gateway) {
          // Kuma accepts hostnames only in the routes of a MeshGateway.
          c.add(path + ".hostnames", "must not be defined");
        } else {
          for (int h = 0; h < conf.hostnames().size(); h++) {
            gatewayHostname(c, conf.hostnames().get(h), path + ".hostnames[" + h + "]");
          }
        }
      }
      for (int r = 0; r < conf.rules().size(); r++) {
        rule(c, conf.rules().get(r), path + ".rules[" + r + "]", gateway);
      }
    }
  }

  private static void rule(PolicyChecks c, Rule rule, String rp, boolean gateway) {
    if (rule.matches().isEmpty()) {
      c.add(rp + ".matches", "must have at least 1 items");
    }
    for (int m = 0; m < rule.matches().size(); m++) {
      match(c, rule.matches().get(m), rp + ".matches[" + m + "]");
    }
    String cp = rp + ".default";
    RuleConf conf = rule.conf();
    List<Filter> filters = conf.filters() == null ? List.of() : conf.filters();
    boolean allPrefix =
        rule.matches().stream()
            .allMatch(m -> m.path() != null && "PathPrefix".equals(m.path().type()));
    for (int f = 0; f < filters.size(); f++) {
      filter(c, filters.get(f), cp + ".filters[" + f + "]", allPrefix, gateway);
    }
    c.backendRefs(conf.backendRefs(), cp + ".backendRefs");
    if (gateway
        && (conf.backendRefs() == null || conf.backendRefs().isEmpty())
        && filters.stream().noneMatch(f -> "RequestRedirect".equals(f.type()))) {
      // Kuma's validateBackendRefs: a gateway has no destination of its own to fall back to.
      c.add(cp + ".backendRefs", "must not be empty");
    }
  }

  private static void match(PolicyChecks c, Match match, String mp) {
    PathMatch p = match.path();
    if (p != null) {
      c.oneOf(p.type(), mp + ".path.type", Set.of("Exact", "PathPrefix", "RegularExpression"));
      String value = p.value();
      if (value.isEmpty()) {
        c.add(mp + ".path.value", "cannot be empty");
      } else if ("PathPrefix".equals(p.type()) && !value.equals("/")) {
        if (value.endsWith("/")) {
          c.add(
              mp + ".path.value",
              "does not need a trailing slash because only a `/`-separated prefix or an entire"
                  + " path is matched");
        }
        if (!value.startsWith("/")) {
          c.add(mp + ".path.value", "must be an absolute path");
        }
      } else if ("Exact".equals(p.type()) && !value.startsWith("/")) {
        c.add(mp + ".path.value", "must be an absolute path");
      }
    }
    c.oneOf(match.method(), mp + ".method", HTTP_METHODS);
    List<QueryParamMatch> qps = match.queryParams() == null ? List.of() : match.queryParams();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < qps.size(); i++) {
      String q = mp + ".queryParams[" + i + "]";
      c.oneOf(qps.get(i).type(), q + ".type", Set.of("Exact", "RegularExpression"));
      c.nonEmpty(qps.get(i).name(), q + ".name");
      if (!names.add(qps.get(i).name())) {
        c.add(q + ".name", "multiple entries for name " + qps.get(i).name());
      }
      emptyRegex(c, qps.get(i).type(), qps.get(i).value(), q + ".value");
    }
    List<HeaderMatch> headers = match.headers() == null ? List.of() : match.headers();
    for (int i = 0; i < headers.size(); i++) {
      String h = mp + ".headers[" + i + "]";
      HeaderMatch header = headers.get(i);
      c.oneOf(header.type(), h + ".type", PolicyChecks.HEADER_MATCH_TYPES);
      c.headerName(header.name(), h + ".name");
      boolean valueless = "Present".equals(header.type()) || "Absent".equals(header.type());
      if (valueless && header.value() != null && !header.value().isEmpty()) {
        c.add(h + ".value", "must not be defined");
      }
      emptyRegex(c, header.type(), header.value(), h + ".value");
    }
  }

  /** Kuma passes an empty regular expression on, and Envoy refuses the route configuration. */
  private static void emptyRegex(PolicyChecks c, String type, String value, String path) {
    if ("RegularExpression".equals(type) && (value == null || value.isEmpty())) {
      c.add(path, "cannot be empty with type RegularExpression (Envoy refuses an empty regex)");
    }
  }

  private static void filter(
      PolicyChecks c, Filter filter, String path, boolean allPrefix, boolean gateway) {
    c.oneOf(filter.type(), path + ".type", FILTER_SECTIONS.keySet());
    String wanted = FILTER_SECTIONS.get(filter.type());
    Map<String, Object> given = new java.util.LinkedHashMap<>();
    given.put("requestHeaderModifier", filter.requestHeaderModifier());
    given.put("responseHeaderModifier", filter.responseHeaderModifier());
    given.put("requestRedirect", filter.requestRedirect());
    given.put("urlRewrite", filter.urlRewrite());
    given.put("requestMirror", filter.requestMirror());
    if (wanted != null) {
      // Kuma ignores the sections of other types; Chronomesh refuses what would have no effect.
      given.forEach(
          (sub, value) -> {
            if (value != null && !sub.equals(wanted)) {
              c.add(path + "." + sub, "must not be set with type " + filter.type());
            }
          });
      if (given.get(wanted) == null) {
        c.add(path + "." + wanted, "must be defined");
      }
    }
    headerModifier(c, filter.requestHeaderModifier(), path + ".requestHeaderModifier");
    headerModifier(c, filter.responseHeaderModifier(), path + ".responseHeaderModifier");
    RequestRedirect redirect = filter.requestRedirect();
    if (redirect != null) {
      String p = path + ".requestRedirect";
      c.oneOf(redirect.scheme(), p + ".scheme", Set.of("http", "https"));
      c.range(redirect.port(), p + ".port", 1, 65535);
      if (redirect.statusCode() != null
          && !Set.of(301, 302, 303, 307, 308).contains(redirect.statusCode())) {
        c.add(p + ".statusCode", "must be one of 301, 302, 303, 307, 308");
      }
      pathModifier(c, redirect.path(), p + ".path", allPrefix);
      preciseHostname(c, redirect.hostname(), p + ".hostname");
    }
    UrlRewrite rewrite = filter.urlRewrite();
    if (rewrite != null) {
      String p = path + ".urlRewrite";
      pathModifier(c, rewrite.path(), p + ".path", allPrefix);
      preciseHostname(c, rewrite.hostname(), p + ".hostname");
      if (Boolean.TRUE.equals(rewrite.hostToBackendHostname())) {
        if (!gateway) {
          c.add(p + ".hostToBackendHostname", "can only be set with MeshGateway");
        }
        if (rewrite.hostname() != null) {
          c.add(p + ".hostToBackendHostname", "cannot be set together with hostname");
        }
      }
    }
    RequestMirror mirror = filter.requestMirror();
    if (mirror != null) {
      c.decimal(mirror.percentage(), path + ".requestMirror.percentage", new BigDecimal(100));
      c.backendRef(mirror.backendRef(), path + ".requestMirror.backendRef", MIRROR_KINDS);
    }
  }

  /** Kuma's validateHeaderModifier, with its schema's header names and list sizes. */
  private static void headerModifier(PolicyChecks c, HeaderModifier modifier, String path) {
    if (modifier == null) {
      return;
    }
    if (modifier.set() == null && modifier.add() == null && modifier.remove() == null) {
      c.add(path, "must have at least one defined: set, add, remove");
      return;
    }
    Set<String> seen = new HashSet<>();
    List<HeaderValue> set = modifier.set() == null ? List.of() : modifier.set();
    List<HeaderValue> add = modifier.add() == null ? List.of() : modifier.add();
    List<String> remove = modifier.remove() == null ? List.of() : modifier.remove();
    c.maxItems(set, path + ".set", 16);
    c.maxItems(add, path + ".add", 16);
    c.maxItems(remove, path + ".remove", 16);
    for (int i = 0; i < set.size(); i++) {
      header(c, seen, set.get(i).name(), path + ".set[" + i + "].name", true);
    }
    for (int i = 0; i < add.size(); i++) {
      header(c, seen, add.get(i).name(), path + ".add[" + i + "].name", true);
    }
    for (int i = 0; i < remove.size(); i++) {
      header(c, seen, remove.get(i), path + ".remove[" + i + "].name", false);
    }
  }

  private static void header(
      PolicyChecks c, Set<String> seen, String name, String path, boolean checkName) {
    if (checkName) {
      c.headerName(name, path);
    }
    if (!seen.add(name)) {
      c.add(path, "duplicate header name");
    }
    if (name.startsWith(":") || name.equalsIgnoreCase("host")) {
      // Kuma passes these to Envoy, which refuses the whole route configuration (NACK).
      c.add(path, "Envoy does not modify pseudo-headers or host: use a URLRewrite hostname");
    }
  }

  /**
   * A MeshGateway route's hostname (Kuma's gateway hostnames: {@code *}, {@code *.domain} or a
   * domain, at most 253 characters).
   */
  private static void gatewayHostname(PolicyChecks c, String hostname, String path) {
    if (hostname.equals("*")) {
      return;
    }
    String domain = hostname.startsWith("*.") ? hostname.substring(2) : hostname;
    if (hostname.length() > 253) {
      c.add(path, "must be at most 253 characters");
    } else if (!DnsNames.SUBDOMAIN.matcher(domain).matches()) {
      c.add(path, hostname.startsWith("*.") ? "invalid wildcard domain" : "invalid hostname");
    }
  }

  /** Kuma's validatePreciseHostname: not an IP address, then an RFC 1123 subdomain. */
  static void preciseHostname(PolicyChecks c, String hostname, String path) {
    if (hostname == null) {
      return;
    }
    if (IPV4.matcher(hostname).matches() || hostname.contains(":")) {
      c.add(path, "cannot be an IP address");
      return;
    }
    DnsNames.subdomainProblems(hostname).forEach(problem -> c.add(path, problem));
  }

  private static void pathModifier(
      PolicyChecks c, PathModifier modifier, String path, boolean allPrefix) {
    if (modifier == null) {
      return;
    }
    c.oneOf(modifier.type(), path + ".type", Set.of("ReplaceFullPath", "ReplacePrefixMatch"));
    if (modifier.replacePrefixMatch() != null && !allPrefix) {
      c.add(path + ".replacePrefixMatch", "can only appear if all matches match a path prefix");
    }
    if ("ReplaceFullPath".equals(modifier.type())) {
      c.nonEmpty(modifier.replaceFullPath(), path + ".replaceFullPath");
      if (modifier.replacePrefixMatch() != null) {
        c.add(path + ".replacePrefixMatch", "must not be set with type ReplaceFullPath");
      }
    } else if ("ReplacePrefixMatch".equals(modifier.type())) {
      c.nonEmpty(modifier.replacePrefixMatch(), path + ".replacePrefixMatch");
      if (modifier.replaceFullPath() != null) {
        c.add(path + ".replaceFullPath", "must not be set with type ReplacePrefixMatch");
      }
    }
  }
}
