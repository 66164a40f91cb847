package dev.chronomesh.projector.generate.policies.meshhttproute;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.Conf;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.Filter;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.HeaderModifier;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.PathModifier;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.QueryParamMatch;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.RequestMirror;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.RequestRedirect;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.Rule;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.RuleConf;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute.UrlRewrite;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderMatch;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.EndpointSelector;
import dev.chronomesh.projector.generate.MeshResources;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import dev.chronomesh.projector.generate.policy.RouteBackend;
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
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * MeshHTTPRoute: the Envoy routes (or proxyless RouteConfiguration routes) an outbound towards a
 * service gets from its merged conf, in Kuma's order (see {@code docs/policies/meshhttproute.md}).
 * Routing shapes the baseline itself, so the generators call {@link #routes} for every HTTP
 * outbound rather than a hook. Lenient by design: a part of a conf that cannot become valid Envoy
 * config (a bad header name, a zero weight) is left out, never thrown: validation belongs to the
 * admin API.
 */
public final class MeshHTTPRouteConfigurer implements PolicyConfigurer<Conf> {
  private static final Pattern HEADER_NAME = Pattern.compile("^[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

  @Override
  public PolicyType<Conf> type() {
    return MeshHTTPRoute.TYPE;
  }

  /** The routes of an outbound HTTP listener (or proxyless RouteConfiguration) and its clusters. */
  public record HttpRoutes(List<Route> routes, SortedMap<String, EndpointSelector> clusters) {}

  /**
   * The routes of an outbound to {@code destination} (a service, or a port of a MeshService): the
   * rules of {@code conf} (null: none applies) expanded per match, sorted by Kuma's specificity,
   * then the catch-all {@code /} to {@code destination} unless a rule has exactly that match.
   * Backends that name MeshService ports are resolved in {@code mesh}. {@code hook} decorates every
   * route action (the other policies).
   */
  public static HttpRoutes routes(
      EndpointSelector destination,
      Conf conf,
      MeshResources mesh,
      boolean proxyless,
      Consumer<RouteAction.Builder> hook) {
    return routes(
        destination, conf, mesh, proxyless, (matches, backend, action) -> hook.accept(action));
  }

  /**
   * {@link #routes(EndpointSelector, Conf, MeshResources, boolean, Consumer)}, with each route
   * action's rule: the {@code matches} of the merged rule it comes from (the key rules are merged
   * by), or null for the catch-all route no rule gives. Policies that target a MeshHTTPRoute
   * configure its routes by it.
   */
  public static HttpRoutes routes(
      EndpointSelector destination,
      Conf conf,
      MeshResources mesh,
      boolean proxyless,
      BiConsumer<List<MeshHTTPRoute.Match>, RouteAction.Builder> hook) {
    return routes(
        destination,
        conf,
        mesh,
        proxyless,
        (matches, backend, action) -> hook.accept(matches, action));
  }

  /**
   * The routes of a builtin gateway's virtual host: the rules of {@code conf} as {@link #routes},
   * without a catch-all (a request no rule matches gets Envoy's 404, as in Kuma), and rules without
   * backends left out. {@code hook} decorates each route action with the policy key ({@link
   * EndpointSelector#policyKey()}) of its first backend.
   */
  public static HttpRoutes gatewayRoutes(
      Conf conf, MeshResources mesh, BiConsumer<String, RouteAction.Builder> hook) {
    return routes(
        null, conf, mesh, false, (matches, backend, action) -> hook.accept(backend, action));
  }

  /** What decorates a route action: its rule's matches, its first backend's policy key. */
  private interface RouteHook {
    void accept(List<MeshHTTPRoute.Match> ruleMatches, String backend, RouteAction.Builder action);
  }

  private static HttpRoutes routes(
      EndpointSelector destination,
      Conf conf,
      MeshResources mesh,
      boolean proxyless,
      RouteHook hook) {
    List<Entry> entries = new ArrayList<>();
    boolean catchAll = false;
    if (conf != null) {
      for (Rule rule : conf.rules()) {
        if (rule.matches().isEmpty()) {
          continue;
        }
        if (rule.matches().size() == 1 && isCatchAll(rule.matches().get(0))) {
          catchAll = true;
        }
        for (MeshHTTPRoute.Match match : rule.matches()) {
          entries.add(new Entry(Match.of(match), rule.matches(), rule.conf()));
        }
      }
    }
    if (!catchAll && destination != null) {
      entries.add(new Entry(Match.of(null), null, null));
    }
    entries.sort(Comparator.comparing(Entry::match, Match.SPECIFICITY));

    SortedMap<String, EndpointSelector> clusters = new TreeMap<>();
    List<Route> routes = new ArrayList<>();
    for (Entry entry : entries) {
      if (proxyless && !entry.match().queryParams().isEmpty()) {
        continue; // grpc-xds skips routes with query parameter matchers.
      }
      List<Filter> filters =
          entry.conf() == null || entry.conf().filters() == null
              ? List.of()
              : entry.conf().filters();
      RequestRedirect redirect = first(filters, "RequestRedirect", Filter::requestRedirect);
      if (proxyless && redirect != null) {
        continue; // grpc-xds NACKs a route whose action is a redirect.
      }
      List<RouteBackend> backends =
          entry.conf() == null
              ? List.of()
              : RouteBackend.of(entry.conf().backendRefs(), mesh, true);
      if (backends.isEmpty() && redirect == null) {
        if (destination == null) {
          continue;
        }
        backends = List.of(new RouteBackend(destination, 1));
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
          for (RouteBackend b : backends) {
            weighted.addClusters(
                WeightedCluster.ClusterWeight.newBuilder()
                    .setName(b.selector().clusterName())
                    .setWeight(UInt32Value.of(b.weight())));
          }
          action.setWeightedClusters(weighted);
        }
        backends.forEach(b -> clusters.put(b.selector().clusterName(), b.selector()));
        if (!proxyless) {
          UrlRewrite rewrite = first(filters, "URLRewrite", Filter::urlRewrite);
          if (rewrite != null) {
            rewrite(rewrite, envoy, action);
          }
          for (RequestMirror mirror : all(filters, "RequestMirror", Filter::requestMirror)) {
            EndpointSelector target = RouteBackend.selector(mirror.backendRef(), mesh, true);
            if (target != null) {
              clusters.put(target.clusterName(), target);
              action.addRequestMirrorPolicies(mirrorPolicy(target, mirror.percentage()));
            }
          }
        }
        hook.accept(entry.ruleMatches(), backends.get(0).selector().policyKey(), action);
        routes.add(route.setRoute(action).build());
      }
    }
    return new HttpRoutes(List.copyOf(routes), clusters);
  }

  /** One match of a rule; {@code ruleMatches} all of the rule's (null: the catch-all route). */
  private record Entry(Match match, List<MeshHTTPRoute.Match> ruleMatches, RuleConf conf) {}

  private static boolean isCatchAll(MeshHTTPRoute.Match match) {
    return match.path() != null
        && "PathPrefix".equals(match.path().type())
        && "/".equals(match.path().value())
        && match.method() == null
        && match.headers() == null
        && match.queryParams() == null;
  }

  private static <T> T first(List<Filter> filters, String type, Function<Filter, T> section) {
    List<T> all = all(filters, type, section);
    return all.isEmpty() ? null : all.get(0);
  }

  private static <T> List<T> all(List<Filter> filters, String type, Function<Filter, T> section) {
    List<T> out = new ArrayList<>();
    for (Filter f : filters) {
      T value = section.apply(f);
      if (type.equals(f.type()) && value != null) {
        out.add(value);
      }
    }
    return out;
  }

  private static void headerModifiers(List<Filter> filters, Route.Builder route) {
    for (HeaderModifier m : all(filters, "RequestHeaderModifier", Filter::requestHeaderModifier)) {
      headerModifier(m, route::addRequestHeadersToAdd, route::addRequestHeadersToRemove);
    }
    for (HeaderModifier m :
        all(filters, "ResponseHeaderModifier", Filter::responseHeaderModifier)) {
      headerModifier(m, route::addResponseHeadersToAdd, route::addResponseHeadersToRemove);
    }
  }

  /** Kuma's header modifier: set overwrites, add appends, remove removes; in that order. */
  private static void headerModifier(
      HeaderModifier modifier, Consumer<HeaderValueOption> add, Consumer<String> remove) {
    for (var h : list(modifier.set())) {
      header(
          h.name(),
          h.value(),
          HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
          add);
    }
    for (var h : list(modifier.add())) {
      header(
          h.name(), h.value(), HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD, add);
    }
    for (String name : list(modifier.remove())) {
      if (modifiable(name)) {
        remove.accept(name);
      }
    }
  }

  private static void header(
      String name,
      String value,
      HeaderValueOption.HeaderAppendAction action,
      Consumer<HeaderValueOption> add) {
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

  private static RedirectAction redirect(RequestRedirect r, Envoy envoy) {
    RedirectAction.Builder out = RedirectAction.newBuilder();
    if (r.hostname() != null) {
      out.setHostRedirect(r.hostname());
    }
    if (r.port() != null && r.port() > 0) {
      out.setPortRedirect(r.port());
    }
    if (r.scheme() != null) {
      out.setSchemeRedirect(r.scheme());
    }
    PathModifier path = r.path();
    if (path != null) {
      switch (path.type()) {
        case "ReplaceFullPath" -> out.setRegexRewrite(replaceAll(path.replaceFullPath()));
        case "ReplacePrefixMatch" -> {
          if (envoy.fromPrefix() && envoy.match().hasPrefix()) {
            out.setPrefixRewrite(orEmpty(path.replacePrefixMatch()));
          } else if (envoy.fromPrefix()) {
            out.setRegexRewrite(replaceAll(path.replacePrefixMatch()));
          }
        }
        default -> {}
      }
    }
    // Kuma's schema default is 302 (Found), not Envoy's 301 (Kuma's requestredirect.go).
    out.setResponseCode(
        switch (r.statusCode() == null ? 302 : r.statusCode()) {
          case 301 -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
          case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
          case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
          case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
          default -> RedirectAction.RedirectResponseCode.FOUND;
        });
    return out.build();
  }

  private static void rewrite(UrlRewrite r, Envoy envoy, RouteAction.Builder action) {
    if (r.hostname() != null && !r.hostname().isEmpty()) {
      action.setHostRewriteLiteral(r.hostname());
    }
    if (Boolean.TRUE.equals(r.hostToBackendHostname())) {
      // Kuma's RouteSetRewriteHostToBackendHostname (MeshGateway routes only).
      action.setAutoHostRewrite(BoolValue.of(true));
    }
    PathModifier path = r.path();
    if (path == null) {
      return;
    }
    switch (path.type()) {
      case "ReplaceFullPath" -> action.setRegexRewrite(replaceAll(path.replaceFullPath()));
      case "ReplacePrefixMatch" -> {
        if (envoy.fromPrefix() && envoy.match().hasPrefix()) {
          action.setPrefixRewrite(orEmpty(path.replacePrefixMatch()));
        } else if (envoy.fromPrefix()) {
          action.setRegexRewrite(replaceAll(path.replacePrefixMatch()));
        }
      }
      default -> {}
    }
  }

  /** Replaces the whole path (Kuma: regex {@code .*} → the new path). */
  private static RegexMatchAndSubstitute replaceAll(String substitution) {
    return RegexMatchAndSubstitute.newBuilder()
        .setPattern(RegexMatcher.newBuilder().setRegex(".*"))
        .setSubstitution(orEmpty(substitution))
        .build();
  }

  private static RouteAction.RequestMirrorPolicy mirrorPolicy(
      EndpointSelector target, IntOrString percentage) {
    RouteAction.RequestMirrorPolicy.Builder policy =
        RouteAction.RequestMirrorPolicy.newBuilder().setCluster(target.clusterName());
    Optional<BigDecimal> value = percentage == null ? Optional.empty() : percentage.decimal();
    value.ifPresent(
        v ->
            policy.setRuntimeFraction(
                RuntimeFractionalPercent.newBuilder().setDefaultValue(EnvoyValues.percent(v))));
    return policy.build();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }

  /** One Envoy match of a route match, and whether it comes from a PathPrefix match. */
  private record Envoy(RouteMatch match, boolean fromPrefix) {}

  /** A MeshHTTPRoute match with its path defaulted to prefix {@code /}, as Kuma. */
  private record Match(
      String pathType,
      String pathValue,
      String method,
      List<HeaderMatch> headers,
      List<QueryParamMatch> queryParams) {

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

    static Match of(MeshHTTPRoute.Match m) {
      String type = "PathPrefix";
      String value = "/";
      if (m != null && m.path() != null) {
        if (pathRank(m.path().type()) < 3 && !m.path().value().isEmpty()) {
          type = m.path().type();
          value = m.path().value();
        }
      }
      String method = m == null ? null : m.method();
      return new Match(
          type,
          value,
          method == null || method.isEmpty() ? null : method,
          uniqueByName(m == null ? null : m.headers(), HeaderMatch::name),
          uniqueByName(m == null ? null : m.queryParams(), QueryParamMatch::name));
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
    private static <T> List<T> uniqueByName(List<T> list, Function<T, String> name) {
      List<T> out = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (T n : list(list)) {
        String key = name.apply(n);
        if (key != null && !key.isEmpty() && seen.add(key)) {
          out.add(n);
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

    private static Optional<QueryParameterMatcher> queryParam(QueryParamMatch q) {
      StringMatcher.Builder m = StringMatcher.newBuilder();
      String value = q.value();
      switch (q.type()) {
        case "Exact" -> m.setExact(value);
        case "RegularExpression" -> {
          if (value.isEmpty()) {
            return Optional.empty();
          }
          m.setSafeRegex(regex(value));
        }
        default -> {
          return Optional.empty();
        }
      }
      return Optional.of(
          QueryParameterMatcher.newBuilder().setName(q.name()).setStringMatch(m).build());
    }

    private static Optional<HeaderMatcher> headerMatcher(HeaderMatch h) {
      String name = h.name().toLowerCase(Locale.ROOT);
      if (!HEADER_NAME.matcher(name.startsWith(":") ? name.substring(1) : name).matches()) {
        return Optional.empty();
      }
      String value = orEmpty(h.value());
      HeaderMatcher.Builder m = HeaderMatcher.newBuilder().setName(name);
      switch (h.type() == null ? "Exact" : h.type()) {
        case "Exact" -> m.setStringMatch(StringMatcher.newBuilder().setExact(value));
        case "Present" -> m.setPresentMatch(true);
        case "Absent" -> m.setPresentMatch(false);
        case "RegularExpression" -> {
          if (value.isEmpty()) {
            return Optional.empty();
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
          return Optional.empty();
        }
      }
      return Optional.of(m.build());
    }

    private static RegexMatcher regex(String regex) {
      return RegexMatcher.newBuilder().setRegex(regex).build();
    }
  }
}
