package dev.chronomesh.projector.generate.policies.meshratelimit;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policies.meshratelimit.MeshRateLimit;
import dev.chronomesh.meshmodel.policies.meshratelimit.MeshRateLimit.Conf;
import dev.chronomesh.meshmodel.policies.meshratelimit.MeshRateLimit.LocalHttp;
import dev.chronomesh.meshmodel.policies.meshratelimit.MeshRateLimit.LocalTcp;
import dev.chronomesh.meshmodel.policy.PolicyChecks.HeaderValue;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.util.List;

/**
 * MeshRateLimit on an Envoy sidecar's inbounds, as Kuma's plugin: {@code local.http} becomes the
 * HTTP local rate limit filter (before the router) with a token bucket of {@code num} requests per
 * {@code interval} on every route of the inbound; {@code local.tcp} becomes the network local rate
 * limit filter, first in the inbound's filter chain, with a bucket of connections. grpc-xds has no
 * local rate limit, and Chronomesh generates no inbound listeners for proxyless clients (they are
 * callers), so a proxyless dataplane selected by a MeshRateLimit is not limited: the limit belongs
 * on the destination's sidecar. See {@code docs/policies/meshratelimit.md}.
 */
public final class MeshRateLimitConfigurer implements PolicyConfigurer<Conf> {
  /** The HTTP filter's name, also the key of its per-route config. */
  static final String HTTP_FILTER = "envoy.filters.http.local_ratelimit";

  /** The network filter's name, as Kuma names it. */
  static final String TCP_FILTER =
      "envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit";

  private static final RuntimeFractionalPercent ENABLED = always("local_rate_limit_enabled");
  private static final RuntimeFractionalPercent ENFORCED = always("local_rate_limit_enforced");

  @Override
  public PolicyType<Conf> type() {
    return MeshRateLimit.TYPE;
  }

  @Override
  public List<Descriptor> typedConfigs() {
    return List.of(
        LocalRateLimit.getDescriptor(),
        io.envoyproxy.envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
            .getDescriptor());
  }

  @Override
  public void inboundHttp(Place place, Conf conf, HttpConnectionManager.Builder hcm) {
    LocalHttp http = conf.local() == null ? null : conf.local().http();
    if (place.proxyless()
        || http == null
        || Boolean.TRUE.equals(http.disabled())
        || http.requestRate() == null) {
      return;
    }
    Any perRoute = EnvoyValues.pack(routeConfig(http));
    for (VirtualHost.Builder vh : hcm.getRouteConfigBuilder().getVirtualHostsBuilderList()) {
      for (Route.Builder route : vh.getRoutesBuilderList()) {
        route.putTypedPerFilterConfig(HTTP_FILTER, perRoute);
      }
    }
    HttpFilter filter =
        HttpFilter.newBuilder()
            .setName(HTTP_FILTER)
            .setTypedConfig(
                EnvoyValues.pack(LocalRateLimit.newBuilder().setStatPrefix("rate_limit").build()))
            .build();
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      if (hcm.getHttpFilters(i).getName().equals(HTTP_FILTER)) {
        hcm.setHttpFilters(i, filter);
        return;
      }
    }
    EnvoyValues.addBeforeRouter(hcm, filter);
  }

  @Override
  public void inboundNetworkFilters(Place place, Conf conf, List<Filter> filters) {
    LocalTcp tcp = conf.local() == null ? null : conf.local().tcp();
    if (place.proxyless()
        || tcp == null
        || Boolean.TRUE.equals(tcp.disabled())
        || tcp.connectionRate() == null) {
      return;
    }
    var rate = tcp.connectionRate();
    Filter filter =
        Filter.newBuilder()
            .setName(TCP_FILTER)
            .setTypedConfig(
                EnvoyValues.pack(
                    io.envoyproxy.envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
                        .newBuilder()
                        .setStatPrefix("tcp_rate_limit")
                        .setTokenBucket(bucket(rate.num(), rate.interval()))
                        .build()))
            .build();
    filters.removeIf(f -> f.getName().equals(TCP_FILTER));
    filters.add(0, filter);
  }

  /** Kuma's per-route LocalRateLimit: the bucket, the response of a limited request. */
  private static LocalRateLimit routeConfig(LocalHttp http) {
    var rate = http.requestRate();
    LocalRateLimit.Builder config =
        LocalRateLimit.newBuilder()
            .setStatPrefix("rate_limit")
            .setTokenBucket(bucket(rate.num(), rate.interval()))
            .setFilterEnabled(ENABLED)
            .setFilterEnforced(ENFORCED);
    var on = http.onRateLimit();
    if (on != null) {
      if (on.status() != null && on.status() > 0) {
        config.setStatus(HttpStatus.newBuilder().setCodeValue(on.status().intValue()));
      }
      if (on.headers() != null) {
        for (HeaderValue h : list(on.headers().add())) {
          config.addResponseHeadersToAdd(
              header(
                  h.name(),
                  h.value(),
                  HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
        }
        for (HeaderValue h : list(on.headers().set())) {
          // As Kuma: a value with commas is one header value per part.
          for (String value : h.value().split(",", -1)) {
            config.addResponseHeadersToAdd(
                header(
                    h.name(),
                    value,
                    HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
          }
        }
      }
    }
    return config.build();
  }

  private static TokenBucket bucket(long num, dev.chronomesh.meshmodel.policy.GoDuration interval) {
    int tokens = (int) Math.min(num, 0xFFFF_FFFFL);
    return TokenBucket.newBuilder()
        .setMaxTokens(tokens)
        .setTokensPerFill(UInt32Value.of(tokens))
        .setFillInterval(EnvoyValues.duration(interval))
        .build();
  }

  private static HeaderValueOption header(
      String name, String value, HeaderValueOption.HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(
            io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder()
                .setKey(name)
                .setValue(value))
        .setAppendAction(action)
        .build();
  }

  private static RuntimeFractionalPercent always(String runtimeKey) {
    return RuntimeFractionalPercent.newBuilder()
        .setDefaultValue(
            FractionalPercent.newBuilder()
                .setNumerator(100)
                .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
        .setRuntimeKey(runtimeKey)
        .build();
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }
}
