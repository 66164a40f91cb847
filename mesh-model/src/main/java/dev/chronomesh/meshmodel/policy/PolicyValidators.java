package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chronomesh.meshmodel.Violations;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/**
 * The value rules of each policy type's confs, after Kuma's validators ({@code
 * pkg/plugins/policies/<name>/api/v1alpha1/validator.go}): durations parse, ranges, enums and the
 * kinds allowed per section. Works on the JSON tree so that every path is the document's; fields of
 * the wrong JSON type are left to {@link AvroJson}, which reports them.
 */
final class PolicyValidators {
  static final Set<String> HTTP_RETRY_ON =
      Set.of(
          "5XX",
          "GatewayError",
          "Reset",
          "Retriable4xx",
          "ConnectFailure",
          "EnvoyRatelimited",
          "RefusedStream",
          "Http3PostConnectFailure",
          "HttpMethodConnect",
          "HttpMethodDelete",
          "HttpMethodGet",
          "HttpMethodHead",
          "HttpMethodOptions",
          "HttpMethodPatch",
          "HttpMethodPost",
          "HttpMethodPut",
          "HttpMethodTrace");
  static final Set<String> GRPC_RETRY_ON =
      Set.of("Canceled", "DeadlineExceeded", "Internal", "ResourceExhausted", "Unavailable");
  static final Set<String> HEADER_MATCH_TYPES =
      Set.of("Exact", "Present", "RegularExpression", "Absent", "Prefix");
  static final Set<String> HTTP_METHODS =
      Set.of("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE");

  private final Violations v;

  private PolicyValidators(Violations v) {
    this.v = v;
  }

  /** Adds every violation of {@code spec} (a document's {@code spec}) for {@code type}. */
  static void validate(String type, JsonNode spec, Violations v) {
    if (spec == null || !spec.isObject()) return;
    new PolicyValidators(v).spec(type, spec);
  }

  private void spec(String type, JsonNode spec) {
    boolean route = PolicyJson.ROUTE_TYPES.contains(type);
    List<JsonNode> to = items(spec, "to");
    for (int i = 0; i < to.size(); i++) {
      String path = "spec.to[" + i + "]";
      JsonNode item = to.get(i);
      String kind = text(obj(item, "targetRef"), "kind");
      if (route && kind != null && !kind.equals("MeshService")) {
        v.add(path + ".targetRef.kind", "must be MeshService, got " + kind);
      }
      switch (type) {
        case "MeshTimeout" -> timeout(obj(item, "default"), path + ".default");
        case "MeshRetry" -> retry(obj(item, "default"), path + ".default");
        case "MeshCircuitBreaker" -> circuitBreaker(obj(item, "default"), path + ".default");
        case "MeshHealthCheck" -> healthCheck(obj(item, "default"), path + ".default");
        case "MeshLoadBalancingStrategy" -> loadBalancing(obj(item, "default"), path + ".default");
        case "MeshHTTPRoute" -> httpRoute(item, path);
        case "MeshTCPRoute" -> tcpRoute(item, path);
        default -> throw new IllegalArgumentException("not a policy type: " + type);
      }
    }
    List<JsonNode> from = items(spec, "from");
    for (int i = 0; i < from.size(); i++) {
      String path = "spec.from[" + i + "]";
      String kind = text(obj(from.get(i), "targetRef"), "kind");
      if (kind != null && !kind.equals("Mesh")) {
        v.add(path + ".targetRef.kind", "must be Mesh in 'from', got " + kind);
      }
      switch (type) {
        case "MeshTimeout" -> timeout(obj(from.get(i), "default"), path + ".default");
        case "MeshCircuitBreaker" -> circuitBreaker(obj(from.get(i), "default"), path + ".default");
        default -> {}
      }
    }
    List<JsonNode> rules = items(spec, "rules");
    for (int i = 0; i < rules.size(); i++) {
      if (type.equals("MeshTimeout")) {
        timeout(obj(rules.get(i), "default"), "spec.rules[" + i + "].default");
      }
    }
  }

  // ---- MeshTimeout

  private void timeout(JsonNode conf, String path) {
    if (conf == null) return;
    duration(conf, "connectionTimeout", path);
    duration(conf, "idleTimeout", path);
    JsonNode http = obj(conf, "http");
    if (http != null) {
      for (String f :
          List.of(
              "requestTimeout",
              "streamIdleTimeout",
              "maxStreamDuration",
              "maxConnectionDuration",
              "requestHeadersTimeout")) {
        duration(http, f, path + ".http");
      }
    }
  }

  // ---- MeshRetry

  private void retry(JsonNode conf, String path) {
    if (conf == null) return;
    JsonNode tcp = obj(conf, "tcp");
    if (tcp != null) range(tcp, "maxConnectAttempt", path + ".tcp", 1, Integer.MAX_VALUE);
    JsonNode http = obj(conf, "http");
    if (http != null) {
      String p = path + ".http";
      range(http, "numRetries", p, 0, Integer.MAX_VALUE);
      positiveDuration(http, "perTryTimeout", p);
      backOff(obj(http, "backOff"), p + ".backOff");
      List<JsonNode> retryOn = items(http, "retryOn");
      for (int i = 0; i < retryOn.size(); i++) {
        String value = retryOn.get(i).isTextual() ? retryOn.get(i).textValue() : null;
        if (value != null && !HTTP_RETRY_ON.contains(value) && !statusCode(value)) {
          v.add(
              p + ".retryOn[" + i + "]",
              "must be one of " + sorted(HTTP_RETRY_ON) + " or an HTTP status code, got " + value);
        }
      }
      headerMatches(http, "retriableResponseHeaders", p);
      headerMatches(http, "retriableRequestHeaders", p);
    }
    JsonNode grpc = obj(conf, "grpc");
    if (grpc != null) {
      String p = path + ".grpc";
      range(grpc, "numRetries", p, 0, Integer.MAX_VALUE);
      positiveDuration(grpc, "perTryTimeout", p);
      backOff(obj(grpc, "backOff"), p + ".backOff");
      List<JsonNode> retryOn = items(grpc, "retryOn");
      for (int i = 0; i < retryOn.size(); i++) {
        enumValue(retryOn.get(i), p + ".retryOn[" + i + "]", GRPC_RETRY_ON);
      }
    }
  }

  private void backOff(JsonNode backOff, String path) {
    if (backOff == null) return;
    positiveDuration(backOff, "baseInterval", path);
    positiveDuration(backOff, "maxInterval", path);
  }

  private static boolean statusCode(String value) {
    if (!value.matches("[0-9]{3}")) return false;
    int code = Integer.parseInt(value);
    return code >= 100 && code <= 599;
  }

  private void headerMatches(JsonNode parent, String field, String path) {
    List<JsonNode> headers = items(parent, field);
    for (int i = 0; i < headers.size(); i++) {
      String p = path + "." + field + "[" + i + "]";
      JsonNode h = headers.get(i);
      enumField(h, "type", p, HEADER_MATCH_TYPES);
      String type = text(h, "type");
      boolean valueless = "Present".equals(type) || "Absent".equals(type);
      if (type != null
          && HEADER_MATCH_TYPES.contains(type)
          && !valueless
          && text(h, "value") == null) {
        v.add(p + ".value", "must be set with type " + type);
      }
    }
  }

  // ---- MeshCircuitBreaker

  private void circuitBreaker(JsonNode conf, String path) {
    if (conf == null) return;
    JsonNode limits = obj(conf, "connectionLimits");
    if (limits != null) {
      for (String f :
          List.of(
              "maxConnections",
              "maxPendingRequests",
              "maxRequests",
              "maxRetries",
              "maxConnectionPools")) {
        range(limits, f, path + ".connectionLimits", 1, Integer.MAX_VALUE);
      }
    }
    JsonNode od = obj(conf, "outlierDetection");
    if (od == null) return;
    String p = path + ".outlierDetection";
    positiveDuration(od, "interval", p);
    positiveDuration(od, "baseEjectionTime", p);
    range(od, "maxEjectionPercent", p, 0, 100);
    JsonNode detectors = obj(od, "detectors");
    if (detectors == null) return;
    String d = p + ".detectors";
    for (String f : List.of("totalFailures", "gatewayFailures", "localOriginFailures")) {
      JsonNode c = obj(detectors, f);
      if (c != null) range(c, "consecutive", d + "." + f, 1, Integer.MAX_VALUE);
    }
    JsonNode sr = obj(detectors, "successRate");
    if (sr != null) {
      range(sr, "minimumHosts", d + ".successRate", 0, Integer.MAX_VALUE);
      range(sr, "requestVolume", d + ".successRate", 0, Integer.MAX_VALUE);
      decimal(sr, "standardDeviationFactor", d + ".successRate", null);
    }
    JsonNode fp = obj(detectors, "failurePercentage");
    if (fp != null) {
      range(fp, "minimumHosts", d + ".failurePercentage", 0, Integer.MAX_VALUE);
      range(fp, "requestVolume", d + ".failurePercentage", 0, Integer.MAX_VALUE);
      range(fp, "threshold", d + ".failurePercentage", 0, 100);
    }
  }

  // ---- MeshHealthCheck

  private void healthCheck(JsonNode conf, String path) {
    if (conf == null) return;
    positiveDuration(conf, "interval", path);
    positiveDuration(conf, "timeout", path);
    range(conf, "unhealthyThreshold", path, 1, Integer.MAX_VALUE);
    range(conf, "healthyThreshold", path, 1, Integer.MAX_VALUE);
    duration(conf, "initialJitter", path);
    duration(conf, "intervalJitter", path);
    range(conf, "intervalJitterPercent", path, 0, 100);
    decimal(conf, "healthyPanicThreshold", path, new BigDecimal(100));
    positiveDuration(conf, "noTrafficInterval", path);
    JsonNode http = obj(conf, "http");
    if (http != null) {
      String path1 = text(http, "path");
      if (path1 != null && !path1.startsWith("/")) {
        v.add(path + ".http.path", "must start with '/'");
      }
      List<JsonNode> statuses = items(http, "expectedStatuses");
      for (int i = 0; i < statuses.size(); i++) {
        JsonNode s = statuses.get(i);
        if (s.isIntegralNumber() && (s.asLong() < 100 || s.asLong() > 599)) {
          v.add(
              path + ".http.expectedStatuses[" + i + "]", "must be in inclusive range [100, 599]");
        }
      }
    }
  }

  // ---- MeshLoadBalancingStrategy

  private void loadBalancing(JsonNode conf, String path) {
    if (conf == null) return;
    JsonNode lb = obj(conf, "loadBalancer");
    if (lb == null) return;
    String p = path + ".loadBalancer";
    String type = text(lb, "type");
    enumField(lb, "type", p, Set.of("RoundRobin", "LeastRequest", "RingHash", "Random", "Maglev"));
    for (String[] pair :
        new String[][] {
          {"leastRequest", "LeastRequest"}, {"ringHash", "RingHash"}, {"maglev", "Maglev"}
        }) {
      if (obj(lb, pair[0]) != null && type != null && !type.equals(pair[1])) {
        v.add(p + "." + pair[0], "must only be set with type " + pair[1]);
      }
    }
    JsonNode lr = obj(lb, "leastRequest");
    if (lr != null) {
      range(lr, "choiceCount", p + ".leastRequest", 2, Integer.MAX_VALUE);
      decimal(lr, "activeRequestBias", p + ".leastRequest", null);
    }
    JsonNode rh = obj(lb, "ringHash");
    if (rh != null) {
      String q = p + ".ringHash";
      enumField(rh, "hashFunction", q, Set.of("XXHash", "MurmurHash2"));
      range(rh, "minRingSize", q, 1, 8_388_608);
      range(rh, "maxRingSize", q, 1, 8_388_608);
      JsonNode min = rh.get("minRingSize");
      JsonNode max = rh.get("maxRingSize");
      if (min != null
          && max != null
          && min.isIntegralNumber()
          && max.isIntegralNumber()
          && min.asLong() > max.asLong()) {
        v.add(q + ".minRingSize", "must not be greater than maxRingSize");
      }
      hashPolicies(rh, q);
    }
    JsonNode mg = obj(lb, "maglev");
    if (mg != null) {
      range(mg, "tableSize", p + ".maglev", 1, 5_000_011);
      hashPolicies(mg, p + ".maglev");
    }
  }

  private void hashPolicies(JsonNode parent, String path) {
    List<JsonNode> policies = items(parent, "hashPolicies");
    for (int i = 0; i < policies.size(); i++) {
      String p = path + ".hashPolicies[" + i + "]";
      JsonNode hp = policies.get(i);
      enumField(
          hp,
          "type",
          p,
          Set.of("Header", "Cookie", "Connection", "SourceIP", "QueryParameter", "FilterState"));
      String type = text(hp, "type");
      if (type == null) continue;
      String wanted =
          switch (type) {
            case "Header" -> "header";
            case "Cookie" -> "cookie";
            case "Connection", "SourceIP" -> "connection";
            case "QueryParameter" -> "queryParameter";
            case "FilterState" -> "filterState";
            default -> null;
          };
      for (String sub :
          List.of("header", "cookie", "connection", "queryParameter", "filterState")) {
        if (obj(hp, sub) != null && !sub.equals(wanted)) {
          v.add(p + "." + sub, "must not be set with type " + type);
        }
      }
      if (wanted != null && !"connection".equals(wanted) && obj(hp, wanted) == null) {
        v.add(p + "." + wanted, "must be set with type " + type);
      }
      JsonNode cookie = obj(hp, "cookie");
      if (cookie != null) duration(cookie, "ttl", p + ".cookie");
    }
  }

  // ---- MeshHTTPRoute, MeshTCPRoute

  private void httpRoute(JsonNode item, String path) {
    List<JsonNode> hostnames = items(item, "hostnames");
    for (int i = 0; i < hostnames.size(); i++) {
      if (hostnames.get(i).isTextual() && hostnames.get(i).textValue().isEmpty()) {
        v.add(path + ".hostnames[" + i + "]", "cannot be empty");
      }
    }
    List<JsonNode> rules = items(item, "rules");
    if (item.has("rules") && rules.isEmpty() && item.get("rules").isArray()) {
      v.add(path + ".rules", "must not be empty");
    }
    for (int r = 0; r < rules.size(); r++) {
      String rp = path + ".rules[" + r + "]";
      JsonNode rule = rules.get(r);
      List<JsonNode> matches = items(rule, "matches");
      if (rule.isObject()
          && rule.has("matches")
          && matches.isEmpty()
          && rule.get("matches").isArray()) {
        v.add(rp + ".matches", "must not be empty");
      }
      for (int m = 0; m < matches.size(); m++) {
        String mp = rp + ".matches[" + m + "]";
        JsonNode match = matches.get(m);
        JsonNode p = obj(match, "path");
        if (p != null) {
          enumField(p, "type", mp + ".path", Set.of("Exact", "PathPrefix", "RegularExpression"));
          String type = text(p, "type");
          String value = text(p, "value");
          if (value != null && !"RegularExpression".equals(type) && !value.startsWith("/")) {
            v.add(mp + ".path.value", "must start with '/'");
          }
          if ("PathPrefix".equals(type)
              && value != null
              && value.length() > 1
              && value.endsWith("/")) {
            v.add(mp + ".path.value", "does not need a trailing slash");
          }
        }
        if (match.isObject() && match.get("method") != null) {
          enumValue(match.get("method"), mp + ".method", HTTP_METHODS);
        }
        List<JsonNode> qps = items(match, "queryParams");
        for (int i = 0; i < qps.size(); i++) {
          enumField(
              qps.get(i),
              "type",
              mp + ".queryParams[" + i + "]",
              Set.of("Exact", "RegularExpression"));
          nonEmpty(qps.get(i), "name", mp + ".queryParams[" + i + "]");
        }
        headerMatches(match, "headers", mp);
      }
      JsonNode conf = obj(rule, "default");
      if (conf == null) continue;
      String cp = rp + ".default";
      List<JsonNode> filters = items(conf, "filters");
      for (int f = 0; f < filters.size(); f++) {
        filter(filters.get(f), cp + ".filters[" + f + "]");
      }
      backendRefs(conf, cp);
    }
  }

  private void filter(JsonNode filter, String path) {
    Set<String> types =
        Set.of(
            "RequestHeaderModifier",
            "ResponseHeaderModifier",
            "RequestRedirect",
            "URLRewrite",
            "RequestMirror");
    enumField(filter, "type", path, types);
    String type = text(filter, "type");
    String wanted =
        type == null
            ? null
            : switch (type) {
              case "RequestHeaderModifier" -> "requestHeaderModifier";
              case "ResponseHeaderModifier" -> "responseHeaderModifier";
              case "RequestRedirect" -> "requestRedirect";
              case "URLRewrite" -> "urlRewrite";
              case "RequestMirror" -> "requestMirror";
              default -> null;
            };
    for (String sub :
        List.of(
            "requestHeaderModifier",
            "responseHeaderModifier",
            "requestRedirect",
            "urlRewrite",
            "requestMirror")) {
      if (obj(filter, sub) != null && wanted != null && !sub.equals(wanted)) {
        v.add(path + "." + sub, "must not be set with type " + type);
      }
    }
    if (wanted != null && obj(filter, wanted) == null) {
      v.add(path + "." + wanted, "must be set with type " + type);
    }
    JsonNode redirect = obj(filter, "requestRedirect");
    if (redirect != null) {
      String p = path + ".requestRedirect";
      enumField(redirect, "scheme", p, Set.of("http", "https"));
      range(redirect, "port", p, 1, 65535);
      JsonNode code = redirect.get("statusCode");
      if (code != null
          && code.isIntegralNumber()
          && !Set.of(301, 302, 303, 307, 308).contains(code.asInt())) {
        v.add(p + ".statusCode", "must be one of 301, 302, 303, 307, 308");
      }
      pathModifier(obj(redirect, "path"), p + ".path");
    }
    JsonNode rewrite = obj(filter, "urlRewrite");
    if (rewrite != null) {
      pathModifier(obj(rewrite, "path"), path + ".urlRewrite.path");
    }
    JsonNode mirror = obj(filter, "requestMirror");
    if (mirror != null) {
      decimal(mirror, "percentage", path + ".requestMirror", new BigDecimal(100));
      JsonNode ref = obj(mirror, "backendRef");
      if (ref != null) backendRef(ref, path + ".requestMirror.backendRef");
    }
  }

  private void pathModifier(JsonNode modifier, String path) {
    if (modifier == null) return;
    enumField(modifier, "type", path, Set.of("ReplaceFullPath", "ReplacePrefixMatch"));
    String type = text(modifier, "type");
    if ("ReplaceFullPath".equals(type)) {
      nonEmpty(modifier, "replaceFullPath", path);
      if (modifier.has("replacePrefixMatch"))
        v.add(path + ".replacePrefixMatch", "must not be set with type ReplaceFullPath");
    } else if ("ReplacePrefixMatch".equals(type)) {
      nonEmpty(modifier, "replacePrefixMatch", path);
      if (modifier.has("replaceFullPath"))
        v.add(path + ".replaceFullPath", "must not be set with type ReplacePrefixMatch");
    }
  }

  private void tcpRoute(JsonNode item, String path) {
    List<JsonNode> rules = items(item, "rules");
    if (item.has("rules") && rules.isEmpty() && item.get("rules").isArray()) {
      v.add(path + ".rules", "must not be empty");
    }
    for (int r = 0; r < rules.size(); r++) {
      JsonNode conf = obj(rules.get(r), "default");
      if (conf != null) backendRefs(conf, path + ".rules[" + r + "].default");
    }
  }

  private void backendRefs(JsonNode conf, String path) {
    List<JsonNode> refs = items(conf, "backendRefs");
    for (int i = 0; i < refs.size(); i++) {
      backendRef(refs.get(i), path + ".backendRefs[" + i + "]");
    }
  }

  private void backendRef(JsonNode ref, String path) {
    enumField(ref, "kind", path, Set.of("MeshService", "MeshServiceSubset"));
    nonEmpty(ref, "name", path);
    if ("MeshService".equals(text(ref, "kind")) && obj(ref, "tags") != null) {
      v.add(path + ".tags", "must not be set with kind MeshService");
    }
    range(ref, "port", path, 1, 65535);
    range(ref, "weight", path, 0, Integer.MAX_VALUE);
  }

  // ---- helpers: all tolerate a tree of the wrong shape (AvroJson reports those)

  private static JsonNode obj(JsonNode parent, String field) {
    if (parent == null || !parent.isObject()) return null;
    JsonNode value = parent.get(field);
    return value != null && value.isObject() ? value : null;
  }

  private static String text(JsonNode parent, String field) {
    if (parent == null || !parent.isObject()) return null;
    JsonNode value = parent.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private static List<JsonNode> items(JsonNode parent, String field) {
    if (parent == null || !parent.isObject()) return List.of();
    JsonNode value = parent.get(field);
    if (value == null || !value.isArray()) return List.of();
    List<JsonNode> out = new java.util.ArrayList<>();
    value.forEach(out::add);
    return out;
  }

  private void duration(JsonNode parent, String field, String path) {
    String value = text(parent, field);
    if (value != null && GoDuration.parse(value).isEmpty()) {
      v.add(path + "." + field, "must be a duration such as 10s, 1m30s or 100ms, got " + value);
    }
  }

  private void positiveDuration(JsonNode parent, String field, String path) {
    String value = text(parent, field);
    if (value == null) return;
    java.util.Optional<java.time.Duration> parsed = GoDuration.parse(value);
    if (parsed.isEmpty()) {
      duration(parent, field, path);
    } else if (parsed.get().isZero()) {
      v.add(path + "." + field, "must be greater than 0s");
    }
  }

  private void range(JsonNode parent, String field, String path, long min, long max) {
    JsonNode value = parent.get(field);
    if (value == null || !value.isIntegralNumber()) return;
    if (!value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
      v.add(path + "." + field, "must be in inclusive range [" + min + ", " + max + "]");
    }
  }

  /** An int or a decimal string, not negative and at most {@code max} when given. */
  private void decimal(JsonNode parent, String field, String path, BigDecimal max) {
    JsonNode value = parent.get(field);
    if (value == null || value.isNull()) return;
    BigDecimal number;
    try {
      number = value.isTextual() ? new BigDecimal(value.textValue()) : value.decimalValue();
    } catch (NumberFormatException e) {
      v.add(path + "." + field, "must be a decimal number, got " + value.asText());
      return;
    }
    if (number.signum() < 0 || (max != null && number.compareTo(max) > 0)) {
      v.add(
          path + "." + field,
          "must be in inclusive range [0, " + (max == null ? "inf" : max.toPlainString()) + "]");
    }
  }

  private void enumField(JsonNode parent, String field, String path, Set<String> allowed) {
    if (parent == null || !parent.isObject()) return;
    JsonNode value = parent.get(field);
    if (value != null) enumValue(value, path + "." + field, allowed);
  }

  private void enumValue(JsonNode value, String path, Set<String> allowed) {
    if (value.isTextual() && !allowed.contains(value.textValue())) {
      v.add(path, "must be one of " + sorted(allowed) + ", got " + value.textValue());
    }
  }

  private void nonEmpty(JsonNode parent, String field, String path) {
    if (parent == null || !parent.isObject()) return;
    JsonNode value = parent.get(field);
    if (value == null || value.isNull() || (value.isTextual() && value.textValue().isEmpty())) {
      v.add(path + "." + field, "cannot be empty");
    }
  }

  private static String sorted(Set<String> values) {
    return String.join(", ", new java.util.TreeSet<>(values));
  }
}
