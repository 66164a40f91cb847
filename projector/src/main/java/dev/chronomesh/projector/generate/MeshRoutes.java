package dev.chronomesh.projector.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.ProxyView;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * MeshHTTPRoute and MeshTCPRoute for one proxy: the merged route confs per destination service and
 * the Envoy routes (or TCP proxy target) they give, in Kuma's order (see {@code
 * docs/policies/meshhttproute.md}). Lenient by design: a part of a conf that cannot be turned into
 * valid Envoy config (an unknown kind, a bad header name, a zero weight) is left out, never thrown:
 * validation belongs to the REST API.
 */
final class MeshRoutes {
  static final String HTTP_ROUTE = "MeshHTTPRoute";
  static final String TCP_ROUTE = "MeshTCPRoute";

  /** Kuma merges route rules by their {@code matches} (policyMerge mergeValuesByKey). */
  static final PolicyEngine HTTP_ENGINE = new PolicyEngine(Set.of(), Map.of("rules", "matches"));

  static final PolicyEngine TCP_ENGINE = new PolicyEngine();

  private static final Pattern HEADER_NAME = Pattern.compile("^[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

  private final SortedMap<String, ObjectNode> http;
  private final SortedMap<String, ObjectNode> tcp;

  private MeshRoutes(SortedMap<String, ObjectNode> http, SortedMap<String, ObjectNode> tcp) {
    this.http = http;
    this.tcp = tcp;
  }

  static MeshRoutes of(MeshContext mesh, DataplaneResource dataplane) {
    ProxyView proxy = ProxyViews.of(dataplane);
    return new MeshRoutes(
        toRules(HTTP_ENGINE, proxy, mesh.policies(HTTP_ROUTE)),
        toRules(TCP_ENGINE, proxy, mesh.policies(TCP_ROUTE)));
  }

  private static SortedMap<String, ObjectNode> toRules(
      PolicyEngine engine, ProxyView proxy, List<Policy> policies) {
    return policies.isEmpty() ? new TreeMap<>() : engine.toRules(proxy, policies);
  }

  /** The merged MeshHTTPRoute conf towards {@code service} with at least one rule, or null. */
  ObjectNode http(String service) {
    ObjectNode conf = PolicyHooks.toConf(http, service);
    return conf != null && conf.path("rules").isArray() && !conf.path("rules").isEmpty()
        ? conf
        : null;
  }

  /** The backends of the MeshTCPRoute towards {@code service}, or null when none applies. */
  List<Backend> tcp(String service) {
    ObjectNode conf = PolicyHooks.toConf(tcp, service);
    if (conf == null) {
      return null;
    }
    // Kuma's MeshTCPRoute conf is one rule: {default: {backendRefs}}; accept {rules: [rule]} too.
    JsonNode rule = conf.has("default") ? conf : conf.path("rules").path(0);
    JsonNode refs = rule.path("default").path("backendRefs");
    if (!refs.isArray()) {
      return null;
    }
    List<Backend> backends = backends(refs);
    return backends.isEmpty() ? null : backends;
  }

  /** One backend of a route: the endpoints of its cluster and its weight (at least 1). */
  record Backend(EndpointSelector selector, int weight) {}

  /** The routes of an outbound HTTP listener (or proxyless RouteConfiguration) and its clusters. */
  record HttpRoutes(List<Route> routes, SortedMap<String, EndpointSelector> clusters) {}

  /**
   * The routes towards {@code service}: the rules of {@code conf} (may be null) expanded per match,
   * sorted by Kuma's specificity, then the catch-all {@code /} to the service unless a rule has
   * exactly that match. {@code actionHook} decorates every route action (policy plugins).
   */
  static HttpRoutes httpRoutes(
      String service, ObjectNode conf, boolean proxyless, Consumer<RouteAction.Builder> hook) {
    List<Entry> entries = new ArrayList<>();
    boolean catchAll = false;
    JsonNode rules = conf == null ? null : conf.path("rules");
    if (rules != null && rules.isArray()) {
      for (JsonNode rule : rules) {
        JsonNode matches = rule.path("matches");
        if (!matches.isArray() || matches.isEmpty()) {
          continue;
        }
        if (matches.size() == 1 && isCatchAll(matches.get(0))) {
          catchAll = true;
        }
        for (JsonNode match : matches) {
          entries.add(new Entry(Match.of(match), rule.path("default")));
        }
      }
    }
    if (!catchAll) {
      entries.add(new Entry(Match.of(null), null));
    }
    entries.sort(Comparator.comparing(Entry::match, Match.SPECIFICITY));

    SortedMap<String, EndpointSelector> clusters = new TreeMap<>();
    List<Route> routes = new ArrayList<>();
    for (Entry entry : entries) {
      if (proxyless && !entry.match().queryParams().isEmpty()) {
        continue; // grpc-xds skips routes with query parameter matchers.
      }
      JsonNode filters = entry.conf() == null ? null : entry.conf().path("filters");
      JsonNode redirect = filter(filters, "RequestRedirect", "requestRedirect");
      if (proxyless && redirect != null) {
        continue; // grpc-xds NACKs a route whose action is a redirect.
      }
      List<Backend> backends = List.of();
      if (entry.conf() != null && entry.conf().path("backendRefs").isArray()) {
        backends = backends(entry.conf().path("backendRefs"));
      }
      if (backends.isEmpty()) {
        backends = List.of(new Backend(EndpointSelector.of(service), 1));
      }
      for (Envoy envoy : entry.match().envoyMatches()) {
        Route.Builder route = Route.newBuilder().setMatch(envoy.match());
        if (!proxyless) {
          headerModifiers(filters, route);
        }
        if (redirect != null) {
          route.setRedirect(redirect(redirect, envoy));
          routes.add(route.build());
          continue;
        }
        RouteAction.Builder action = RouteAction.newBuilder();
        if (backends.size() == 1) {
          action.setCluster(backends.get(0).selector().clusterName());
        } else {
          WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
          for (Backend b : backends) {
            weighted.addClusters(
                WeightedCluster.ClusterWeight.newBuilder()
                    .setName(b.selector().clusterName())
                    .setWeight(UInt32Value.of(b.weight())));
          }
          action.setWeightedClusters(weighted);
        }
        backends.forEach(b -> clusters.put(b.selector().clusterName(), b.selector()));
        if (!proxyless) {
          JsonNode rewrite = filter(filters, "URLRewrite", "urlRewrite");
          if (rewrite != null) {
            rewrite(rewrite, envoy, action);
          }
          for (JsonNode mirror : filters(filters, "RequestMirror", "requestMirror")) {
            EndpointSelector target = selector(mirror.path("backendRef"));
            if (target != null) {
              clusters.put(target.clusterName(), target);
              action.addRequestMirrorPolicies(mirrorPolicy(target, mirror.path("percentage")));
            }
          }
        }
        hook.accept(action);
        routes.add(route.setRoute(action).build());
      }
    }
    return new HttpRoutes(List.copyOf(routes), clusters);
  }

  /** The cluster part of a TCP proxy: one cluster, or weighted clusters for several backends. */
  static void tcpTarget(List<Backend> backends, TcpProxy.Builder tcp) {
    if (backends.size() == 1) {
      tcp.setCluster(backends.get(0).selector().clusterName());
      return;
    }
    TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
    for (Backend b : backends) {
      weighted.addClusters(
          TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
              .setName(b.selector().clusterName())
              .setWeight(b.weight()));
    }
    tcp.setWeightedClusters(weighted);
  }

  private record Entry(Match match, JsonNode conf) {}

  private static boolean isCatchAll(JsonNode match) {
    JsonNode path = match.path("path");
    return match.size() == 1
        && path.size() == 2
        && "PathPrefix".equals(path.path("type").asText())
        && "/".equals(path.path("value").asText());
  }

  /** Backend refs with a MeshService/MeshServiceSubset name and a positive weight (default 1). */
  static List<Backend> backends(JsonNode refs) {
    List<Backend> out = new ArrayList<>();
    for (JsonNode ref : refs) {
      EndpointSelector selector = selector(ref);
      JsonNode weight = ref.path("weight");
      long w = weight.isMissingNode() || weight.isNull() ? 1 : weight.asLong(-1);
      if (selector != null && w > 0 && w <= Integer.MAX_VALUE) {
        out.add(new Backend(selector, (int) w));
      }
    }
    return out;
  }

  /** The endpoints a backendRef names, or null for another kind or no name. */
  private static EndpointSelector selector(JsonNode ref) {
    String kind = ref.path("kind").asText("");
    String name = ref.path("name").asText("");
    if (!(kind.equals("MeshService") || kind.equals("MeshServiceSubset")) || name.isEmpty()) {
      return null;
    }
    SortedMap<String, String> tags = new TreeMap<>();
    ref.path("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
    return new EndpointSelector(name, tags);
  }

  private static JsonNode filter(JsonNode filters, String type, String field) {
    List<JsonNode> all = filters(filters, type, field);
    return all.isEmpty() ? null : all.get(0);
  }

  private static List<JsonNode> filters(JsonNode filters, String type, String field) {
    List<JsonNode> out = new ArrayList<>();
    if (filters != null && filters.isArray()) {
      for (JsonNode f : filters) {
        if (type.equals(f.path("type").asText()) && f.path(field).isObject()) {
          out.add(f.path(field));
        }
      }
    }
    return out;
  }

  private static void headerModifiers(JsonNode filters, Route.Builder route) {
    for (JsonNode m : filters(filters, "RequestHeaderModifier", "requestHeaderModifier")) {
      headerModifier(m, route::addRequestHeadersToAdd, route::addRequestHeadersToRemove);
    }
    for (JsonNode m : filters(filters, "ResponseHeaderModifier", "responseHeaderModifier")) {
      headerModifier(m, route::addResponseHeadersToAdd, route::addResponseHeadersToRemove);
    }
  }

  /** Kuma's header modifier: set overwrites, add appends, remove removes; in that order. */
  private static void headerModifier(
      JsonNode modifier, Consumer<HeaderValueOption> add, Consumer<String> remove) {
    for (JsonNode h : modifier.path("set")) {
      header(h, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD, add);
    }
    for (JsonNode h : modifier.path("add")) {
      header(h, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD, add);
    }
    for (JsonNode name : modifier.path("remove")) {
      if (modifiable(name.asText(""))) {
        remove.accept(name.asText());
      }
    }
  }

  private static void header(
      JsonNode h, HeaderValueOption.HeaderAppendAction action, Consumer<HeaderValueOption> add) {
    String name = h.path("name").asText("");
    String value = h.path("value").asText("");
    if (!modifiable(name) || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
      return;
    }
    add.accept(
        HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
            .setAppendAction(action)
            .build());
  }

  /** Envoy refuses to add or remove pseudo-headers and {@code host}; names must be tokens. */
  private static boolean modifiable(String name) {
    return HEADER_NAME.matcher(name).matches() && !name.equalsIgnoreCase("host");
  }

  private static RedirectAction redirect(JsonNode r, Envoy envoy) {
    RedirectAction.Builder out = RedirectAction.newBuilder();
    if (r.hasNonNull("hostname")) {
      out.setHostRedirect(r.path("hostname").asText());
    }
    if (r.path("port").canConvertToInt() && r.path("port").asInt() > 0) {
      out.setPortRedirect(r.path("port").asInt());
    }
    if (r.hasNonNull("scheme")) {
      out.setSchemeRedirect(r.path("scheme").asText());
    }
    JsonNode path = r.path("path");
    switch (path.path("type").asText("")) {
      case "ReplaceFullPath" -> out.setRegexRewrite(replaceAll(path.path("replaceFullPath")));
      case "ReplacePrefixMatch" -> {
        if (envoy.fromPrefix() && envoy.match().hasPrefix()) {
          out.setPrefixRewrite(path.path("replacePrefixMatch").asText());
        } else if (envoy.fromPrefix()) {
          out.setRegexRewrite(replaceAll(path.path("replacePrefixMatch")));
        }
      }
      default -> {}
    }
    out.setResponseCode(
        switch (r.path("statusCode").asInt(301)) {
          case 302 -> RedirectAction.RedirectResponseCode.FOUND;
          case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
          case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
          case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
          default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
        });
    return out.build();
  }

  private static void rewrite(JsonNode r, Envoy envoy, RouteAction.Builder action) {
    if (r.hasNonNull("hostname") && !r.path("hostname").asText().isEmpty()) {
      action.setHostRewriteLiteral(r.path("hostname").asText());
    }
    JsonNode path = r.path("path");
    switch (path.path("type").asText("")) {
      case "ReplaceFullPath" -> action.setRegexRewrite(replaceAll(path.path("replaceFullPath")));
      case "ReplacePrefixMatch" -> {
        if (envoy.fromPrefix() && envoy.match().hasPrefix()) {
          action.setPrefixRewrite(path.path("replacePrefixMatch").asText());
        } else if (envoy.fromPrefix()) {
          action.setRegexRewrite(replaceAll(path.path("replacePrefixMatch")));
        }
      }
      default -> {}
    }
  }

  /** Replaces the whole path (Kuma: regex {@code .*} → the new path). */
  private static RegexMatchAndSubstitute replaceAll(JsonNode substitution) {
    return RegexMatchAndSubstitute.newBuilder()
        .setPattern(RegexMatcher.newBuilder().setRegex(".*"))
        .setSubstitution(substitution.asText(""))
        .build();
  }

  private static RouteAction.RequestMirrorPolicy mirrorPolicy(
      EndpointSelector target, JsonNode percentage) {
    RouteAction.RequestMirrorPolicy.Builder policy =
        RouteAction.RequestMirrorPolicy.newBuilder().setCluster(target.clusterName());
    BigDecimal value = decimal(percentage);
    if (value != null) {
      policy.setRuntimeFraction(
          RuntimeFractionalPercent.newBuilder().setDefaultValue(fraction(value)));
    }
    return policy.build();
  }

  private static BigDecimal decimal(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return null;
    }
    try {
      BigDecimal d = new BigDecimal(n.asText().trim());
      return d.max(BigDecimal.ZERO).min(BigDecimal.valueOf(100)).stripTrailingZeros();
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A percentage as Envoy's fraction: per hundred, per ten thousand, or per million (rounded). */
  static FractionalPercent fraction(BigDecimal percent) {
    FractionalPercent.Builder out = FractionalPercent.newBuilder();
    if (percent.scale() <= 0) {
      return out.setNumerator(percent.intValue())
          .setDenominator(FractionalPercent.DenominatorType.HUNDRED)
          .build();
    }
    if (percent.scale() <= 2) {
      return out.setNumerator(percent.movePointRight(2).intValueExact())
          .setDenominator(FractionalPercent.DenominatorType.TEN_THOUSAND)
          .build();
    }
    return out.setNumerator(percent.movePointRight(4).setScale(0, RoundingMode.HALF_UP).intValue())
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }

  /** One Envoy match of a route match, and whether it comes from a PathPrefix match. */
  private record Envoy(RouteMatch match, boolean fromPrefix) {}

  /** A MeshHTTPRoute match with its path defaulted to prefix {@code /}, as Kuma. */
  private record Match(
      String pathType,
      String pathValue,
      String method,
      List<JsonNode> headers,
      List<JsonNode> queryParams) {

    /** Kuma's CompareMatch: exact, then longer prefix, then longer regex; method; more headers. */
    static final Comparator<Match> SPECIFICITY =
        Comparator.comparingInt((Match m) -> pathRank(m.pathType()))
            .thenComparing(
                (a, b) ->
                    a.pathType().equals(b.pathType()) && !a.pathType().equals("Exact")
                        ? Integer.compare(b.pathValue().length(), a.pathValue().length())
                        : 0)
            .thenComparingInt(m -> m.method() == null ? 1 : 0)
            .thenComparing(Comparator.comparingInt((Match m) -> m.headers().size()).reversed())
            .thenComparing(Comparator.comparingInt((Match m) -> m.queryParams().size()).reversed());

    static Match of(JsonNode m) {
      JsonNode path = m == null ? null : m.path("path");
      String type = "PathPrefix";
      String value = "/";
      if (path != null && path.isObject()) {
        String t = path.path("type").asText("");
        if (pathRank(t) < 3 && !path.path("value").asText("").isEmpty()) {
          type = t;
          value = path.path("value").asText();
        }
      }
      String method = m == null ? null : m.path("method").asText(null);
      return new Match(
          type,
          value,
          method == null || method.isEmpty() ? null : method,
          uniqueByName(m == null ? null : m.path("headers")),
          uniqueByName(m == null ? null : m.path("queryParams")));
    }

    private static int pathRank(String type) {
      return switch (type) {
        case "Exact" -> 0;
        case "PathPrefix" -> 1;
        case "RegularExpression" -> 2;
        default -> 3;
      };
    }

    /** As Kuma: only the first matcher of each name counts. */
    private static List<JsonNode> uniqueByName(JsonNode list) {
      List<JsonNode> out = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      if (list != null && list.isArray()) {
        for (JsonNode n : list) {
          String name = n.path("name").asText("");
          if (!name.isEmpty() && seen.add(name)) {
            out.add(n);
          }
        }
      }
      return out;
    }

    /**
     * PathPrefix {@code /x} is two Envoy matches (path {@code /x}, prefix {@code /x/}), as Kuma.
     */
    List<Envoy> envoyMatches() {
      List<RouteMatch.Builder> paths = new ArrayList<>();
      boolean prefix = pathType.equals("PathPrefix");
      switch (pathType) {
        case "Exact" -> paths.add(RouteMatch.newBuilder().setPath(pathValue));
        case "RegularExpression" ->
            paths.add(RouteMatch.newBuilder().setSafeRegex(regex(pathValue)));
        default -> {
          if (pathValue.equals("/")) {
            paths.add(RouteMatch.newBuilder().setPrefix("/"));
          } else {
            String trimmed =
                pathValue.endsWith("/")
                    ? pathValue.substring(0, pathValue.length() - 1)
                    : pathValue;
            paths.add(RouteMatch.newBuilder().setPath(trimmed));
            paths.add(RouteMatch.newBuilder().setPrefix(trimmed + "/"));
          }
        }
      }
      List<Envoy> out = new ArrayList<>();
      for (RouteMatch.Builder b : paths) {
        if (method != null) {
          b.addHeaders(
              HeaderMatcher.newBuilder()
                  .setName(":method")
                  .setStringMatch(StringMatcher.newBuilder().setExact(method)));
        }
        queryParams.forEach(q -> queryParam(q).ifPresent(b::addQueryParameters));
        headers.forEach(h -> headerMatcher(h).ifPresent(b::addHeaders));
        out.add(new Envoy(b.build(), prefix));
      }
      return out;
    }

    private static java.util.Optional<QueryParameterMatcher> queryParam(JsonNode q) {
      StringMatcher.Builder m = StringMatcher.newBuilder();
      String value = q.path("value").asText("");
      switch (q.path("type").asText("")) {
        case "Exact" -> m.setExact(value);
        case "RegularExpression" -> {
          if (value.isEmpty()) {
            return java.util.Optional.empty();
          }
          m.setSafeRegex(regex(value));
        }
        default -> {
          return java.util.Optional.empty();
        }
      }
      return java.util.Optional.of(
          QueryParameterMatcher.newBuilder()
              .setName(q.path("name").asText())
              .setStringMatch(m)
              .build());
    }

    private static java.util.Optional<HeaderMatcher> headerMatcher(JsonNode h) {
      String name = h.path("name").asText("").toLowerCase(Locale.ROOT);
      if (!HEADER_NAME.matcher(name.startsWith(":") ? name.substring(1) : name).matches()) {
        return java.util.Optional.empty();
      }
      String value = h.path("value").asText("");
      HeaderMatcher.Builder m = HeaderMatcher.newBuilder().setName(name);
      switch (h.path("type").asText("Exact")) {
        case "Exact" -> m.setStringMatch(StringMatcher.newBuilder().setExact(value));
        case "Present" -> m.setPresentMatch(true);
        case "Absent" -> m.setPresentMatch(false);
        case "RegularExpression" -> {
          if (value.isEmpty()) {
            return java.util.Optional.empty();
          }
          m.setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex(value)));
        }
        case "Prefix" -> {
          if (value.isEmpty()) {
            m.setPresentMatch(true); // As Kuma: Envoy's prefix matcher refuses "".
          } else {
            m.setStringMatch(StringMatcher.newBuilder().setPrefix(value));
          }
        }
        default -> {
          return java.util.Optional.empty();
        }
      }
      return java.util.Optional.of(m.build());
    }

    private static RegexMatcher regex(String regex) {
      return RegexMatcher.newBuilder().setRegex(regex).build();
    }
  }
}
