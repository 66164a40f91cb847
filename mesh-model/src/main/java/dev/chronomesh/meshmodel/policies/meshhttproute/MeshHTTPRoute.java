package dev.chronomesh.meshmodel.policies.meshhttproute;

import dev.chronomesh.meshmodel.Violations;
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
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /** A {@code to[]} item's routing: its hostnames and rules. */
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

  public record UrlRewrite(String hostname, PathModifier path, Boolean hostToBackendHostname) {}

  public record RequestMirror(@Required BackendRef backendRef, IntOrString percentage) {}

  private static final Map<String, String> FILTER_SECTIONS =
      Map.of(
          "RequestHeaderModifier", "requestHeaderModifier",
          "ResponseHeaderModifier", "responseHeaderModifier",
          "RequestRedirect", "requestRedirect",
          "URLRewrite", "urlRewrite",
          "RequestMirror", "requestMirror");

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    for (TypedSpec.Item<Conf> item : spec.to()) {
      String path = item.path();
      Conf conf = item.conf();
      List<String> hostnames = conf.hostnames() == null ? List.of() : conf.hostnames();
      for (int i = 0; i < hostnames.size(); i++) {
        if (hostnames.get(i).isEmpty()) {
          c.add(path + ".hostnames[" + i + "]", "cannot be empty");
        }
      }
      if (conf.rules().isEmpty()) {
        c.add(path + ".rules", "must not be empty");
      }
      for (int r = 0; r < conf.rules().size(); r++) {
        rule(c, conf.rules().get(r), path + ".rules[" + r + "]");
      }
    }
  }

  private static void rule(PolicyChecks c, Rule rule, String rp) {
    if (rule.matches().isEmpty()) {
      c.add(rp + ".matches", "must not be empty");
    }
    for (int m = 0; m < rule.matches().size(); m++) {
      String mp = rp + ".matches[" + m + "]";
      Match match = rule.matches().get(m);
      PathMatch p = match.path();
      if (p != null) {
        c.oneOf(p.type(), mp + ".path.type", Set.of("Exact", "PathPrefix", "RegularExpression"));
        if (!"RegularExpression".equals(p.type()) && !p.value().startsWith("/")) {
          c.add(mp + ".path.value", "must start with '/'");
        }
        if ("PathPrefix".equals(p.type()) && p.value().length() > 1 && p.value().endsWith("/")) {
          c.add(mp + ".path.value", "does not need a trailing slash");
        }
      }
      c.oneOf(match.method(), mp + ".method", HTTP_METHODS);
      List<QueryParamMatch> qps = match.queryParams() == null ? List.of() : match.queryParams();
      for (int i = 0; i < qps.size(); i++) {
        String q = mp + ".queryParams[" + i + "]";
        c.oneOf(qps.get(i).type(), q + ".type", Set.of("Exact", "RegularExpression"));
        c.nonEmpty(qps.get(i).name(), q + ".name");
      }
      c.headerMatches(match.headers(), mp + ".headers");
    }
    String cp = rp + ".default";
    RuleConf conf = rule.conf();
    List<Filter> filters = conf.filters() == null ? List.of() : conf.filters();
    for (int f = 0; f < filters.size(); f++) {
      filter(c, filters.get(f), cp + ".filters[" + f + "]");
    }
    c.backendRefs(conf.backendRefs(), cp + ".backendRefs");
  }

  private static void filter(PolicyChecks c, Filter filter, String path) {
    c.oneOf(filter.type(), path + ".type", FILTER_SECTIONS.keySet());
    String wanted = FILTER_SECTIONS.get(filter.type());
    Map<String, Object> given = new java.util.LinkedHashMap<>();
    given.put("requestHeaderModifier", filter.requestHeaderModifier());
    given.put("responseHeaderModifier", filter.responseHeaderModifier());
    given.put("requestRedirect", filter.requestRedirect());
    given.put("urlRewrite", filter.urlRewrite());
    given.put("requestMirror", filter.requestMirror());
    if (wanted != null) {
      given.forEach(
          (sub, value) -> {
            if (value != null && !sub.equals(wanted)) {
              c.add(path + "." + sub, "must not be set with type " + filter.type());
            }
          });
      if (given.get(wanted) == null) {
        c.add(path + "." + wanted, "must be set with type " + filter.type());
      }
    }
    RequestRedirect redirect = filter.requestRedirect();
    if (redirect != null) {
      String p = path + ".requestRedirect";
      c.oneOf(redirect.scheme(), p + ".scheme", Set.of("http", "https"));
      c.range(redirect.port(), p + ".port", 1, 65535);
      if (redirect.statusCode() != null
          && !Set.of(301, 302, 303, 307, 308).contains(redirect.statusCode())) {
        c.add(p + ".statusCode", "must be one of 301, 302, 303, 307, 308");
      }
      pathModifier(c, redirect.path(), p + ".path");
    }
    UrlRewrite rewrite = filter.urlRewrite();
    if (rewrite != null) {
      pathModifier(c, rewrite.path(), path + ".urlRewrite.path");
    }
    RequestMirror mirror = filter.requestMirror();
    if (mirror != null) {
      c.decimal(mirror.percentage(), path + ".requestMirror.percentage", new BigDecimal(100));
      c.backendRef(mirror.backendRef(), path + ".requestMirror.backendRef");
    }
  }

  private static void pathModifier(PolicyChecks c, PathModifier modifier, String path) {
    if (modifier == null) {
      return;
    }
    c.oneOf(modifier.type(), path + ".type", Set.of("ReplaceFullPath", "ReplacePrefixMatch"));
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
