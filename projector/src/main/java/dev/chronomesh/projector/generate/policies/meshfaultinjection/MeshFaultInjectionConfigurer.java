package dev.chronomesh.projector.generate.policies.meshfaultinjection;

import com.google.protobuf.Descriptors.Descriptor;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.meshmodel.Kri;
import dev.chronomesh.meshmodel.policies.meshfaultinjection.MeshFaultInjection;
import dev.chronomesh.meshmodel.policies.meshfaultinjection.MeshFaultInjection.Conf;
import dev.chronomesh.meshmodel.policies.meshfaultinjection.MeshFaultInjection.Fault;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.projector.generate.policy.CallerMatchers;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * MeshFaultInjection. On an Envoy sidecar, the destination's inbound gets one HTTP fault filter per
 * fault, before the router, as Kuma's plugin; a fault of a {@code from} item that names callers
 * matches them by the {@code x-kuma-tags} header every sidecar's outbound requests carry, and
 * excludes the callers of the items merged after it (a later item's faults replace an earlier
 * one's). A proxyless gRPC client (grpc-xds implements fault injection on the client side only,
 * gRFC A33, and not on xDS-enabled servers) gets the destination's faults that apply to it on its
 * own listener towards the destination: aborts and delays; grpc-xds has no response bandwidth
 * limit. See {@code docs/policies/meshfaultinjection.md}.
 */
public final class MeshFaultInjectionConfigurer implements PolicyConfigurer<Conf> {
  /** The HTTP fault filter's name (and, numbered, its further instances for grpc-xds). */
  static final String FAULT_FILTER = "envoy.filters.http.fault";

  /** Kuma's short name of the type, in its resource identifiers. */
  static final String SHORT_NAME = "mfi";

  @Override
  public PolicyType<Conf> type() {
    return MeshFaultInjection.TYPE;
  }

  @Override
  public List<Descriptor> typedConfigs() {
    List<Descriptor> out = new ArrayList<>(CallerMatchers.typedConfigs());
    out.add(HTTPFault.getDescriptor());
    return out;
  }

  @Override
  public boolean bySource() {
    return true;
  }

  @Override
  public void inboundHttpBySource(
      Place place, List<Source<Conf>> sources, HttpConnectionManager.Builder hcm) {
    if (place.proxyless()) {
      return; // grpc-xds has no fault filter on servers; its callers inject (callerHttp).
    }
    // A source whose conf has no http list changes nothing (merging keeps the earlier list).
    List<Source<Conf>> effective = sources.stream().filter(s -> s.conf().http() != null).toList();
    List<HttpFilter> filters = new ArrayList<>();
    for (int i = 0; i < effective.size(); i++) {
      Source<Conf> source = effective.get(i);
      List<HeaderMatcher> headers = new ArrayList<>();
      selector(source.selector(), false).ifPresent(headers::add);
      boolean shadowed = false;
      for (Source<Conf> later : effective.subList(i + 1, effective.size())) {
        if (later.selector().kind() == TargetRef.Kind.MESH
            || sameCallers(later.selector(), source.selector())) {
          shadowed = true;
          break;
        }
        selector(later.selector(), true).ifPresent(headers::add);
      }
      if (shadowed) {
        continue;
      }
      for (Fault fault : source.conf().http()) {
        HTTPFault.Builder config = fault(fault, true);
        config.addAllHeaders(headers);
        filters.add(filter(FAULT_FILTER, config.build()));
      }
    }
    for (HttpFilter filter : filters) {
      EnvoyValues.addBeforeRouter(hcm, filter);
    }
  }

  /**
   * Kuma's rules ({@code meshfaultinjection/plugin/xds/configurer.go}): every rule's faults, none
   * merged, in the rules' order. A rule with a match wraps each fault filter in an {@code
   * ExtensionWithMatcher} that skips it unless the caller's certificate URI SAN (its SPIFFE ID) or
   * the connection's SNI matches, named after the policy as Kuma names it (its KRI); a rule for all
   * traffic gives the plain fault filters.
   */
  @Override
  public void inboundHttpByRule(
      Place place, List<MatchedRule<Conf>> rules, HttpConnectionManager.Builder hcm) {
    if (place.proxyless()) {
      return; // grpc-xds has no fault filter on servers.
    }
    List<HttpFilter> filters = new ArrayList<>();
    for (MatchedRule<Conf> rule : rules) {
      for (Fault fault : rule.conf().http() == null ? List.<Fault>of() : rule.conf().http()) {
        HTTPFault config = fault(fault, true).build();
        filters.add(
            rule.match() == null
                ? filter(FAULT_FILTER, config)
                : HttpFilter.newBuilder()
                    .setName(Kri.of(SHORT_NAME, place.mesh(), rule.policy(), null))
                    .setTypedConfig(
                        EnvoyValues.pack(
                            CallerMatchers.skipUnless(
                                rule.match(),
                                TypedExtensionConfig.newBuilder()
                                    .setName(FAULT_FILTER)
                                    .setTypedConfig(EnvoyValues.pack(config))
                                    .build())))
                    .build());
      }
    }
    for (HttpFilter filter : filters) {
      EnvoyValues.addBeforeRouter(hcm, filter);
    }
  }

  /** Every applying rule's faults, in order, as {@link #callerHttp} gives one conf's. */
  @Override
  public void callerHttpByRule(
      Place place, List<MatchedRule<Conf>> rules, HttpConnectionManager.Builder hcm) {
    List<Fault> faults = new ArrayList<>();
    for (MatchedRule<Conf> rule : rules) {
      if (rule.conf().http() != null) {
        faults.addAll(rule.conf().http());
      }
    }
    callerFaults(faults, hcm);
  }

  @Override
  public void callerHttp(Place place, Conf conf, HttpConnectionManager.Builder hcm) {
    callerFaults(conf.http() == null ? List.of() : conf.http(), hcm);
  }

  private static void callerFaults(List<Fault> faults, HttpConnectionManager.Builder hcm) {
    int n = 0;
    for (Fault fault : faults) {
      HTTPFault config = fault(fault, false).build();
      if (!config.hasAbort() && !config.hasDelay()) {
        continue; // only a response bandwidth, which grpc-xds does not apply
      }
      // grpc-xds refuses two HTTP filters of one name.
      EnvoyValues.addBeforeRouter(
          hcm, filter(n == 0 ? FAULT_FILTER : FAULT_FILTER + "." + n, config));
      n++;
    }
  }

  private static HttpFilter filter(String name, HTTPFault config) {
    return HttpFilter.newBuilder().setName(name).setTypedConfig(EnvoyValues.pack(config)).build();
  }

  private static HTTPFault.Builder fault(Fault fault, boolean bandwidth) {
    HTTPFault.Builder config = HTTPFault.newBuilder();
    if (fault.delay() != null) {
      config.setDelay(
          FaultDelay.newBuilder()
              .setFixedDelay(EnvoyValues.duration(fault.delay().value()))
              .setPercentage(percent(fault.delay().percentage())));
    }
    if (fault.abort() != null) {
      config.setAbort(
          FaultAbort.newBuilder()
              .setHttpStatus(fault.abort().httpStatus())
              .setPercentage(percent(fault.abort().percentage())));
    }
    if (bandwidth && fault.responseBandwidth() != null) {
      config.setResponseRateLimit(
          FaultRateLimit.newBuilder()
              .setFixedLimit(
                  FaultRateLimit.FixedLimit.newBuilder()
                      .setLimitKbps(fault.responseBandwidth().kbps()))
              .setPercentage(percent(fault.responseBandwidth().percentage())));
    }
    return config;
  }

  private static FractionalPercent percent(IntOrString percentage) {
    return EnvoyValues.percent(percentage.decimal().orElse(BigDecimal.ZERO));
  }

  /** Whether two selectors select the same callers. */
  private static boolean sameCallers(TargetRef a, TargetRef b) {
    return tags(a).equals(tags(b));
  }

  /** The inbound tags a caller must have to be selected ({@code kuma.io/service} for a name). */
  private static Map<String, String> tags(TargetRef selector) {
    Map<String, String> tags = new TreeMap<>(selector.tags());
    if (selector.name() != null) {
      tags.put(KumaTags.SERVICE, selector.name());
    }
    return tags;
  }

  /**
   * The {@code x-kuma-tags} matcher of the callers {@code selector} selects (none for Mesh): the
   * header is {@code &key=v1,v2&} per key in key order, so each tag must be an exact element of its
   * key's list.
   */
  private static java.util.Optional<HeaderMatcher> selector(TargetRef selector, boolean invert) {
    if (selector.kind() == TargetRef.Kind.MESH) {
      return java.util.Optional.empty();
    }
    StringBuilder regex = new StringBuilder(".*");
    tags(selector)
        .forEach(
            (key, value) ->
                regex
                    .append("&")
                    .append(quote(key))
                    .append("=([^&]*,)?")
                    .append(quote(value))
                    .append("(,[^&]*)?&.*"));
    return java.util.Optional.of(
        HeaderMatcher.newBuilder()
            .setName(KumaTags.TAGS_HEADER)
            .setStringMatch(
                StringMatcher.newBuilder()
                    .setSafeRegex(RegexMatcher.newBuilder().setRegex(regex.toString())))
            .setInvertMatch(invert)
            .build());
  }

  /** A literal for RE2: every character but letters, digits and '_' escaped. */
  private static String quote(String literal) {
    StringBuilder out = new StringBuilder();
    for (char c : literal.toCharArray()) {
      if (!Character.isLetterOrDigit(c) && c != '_') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
