package dev.chronomesh.projector.generate.policies.meshloadbalancingstrategy;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy.AffinityTag;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy.Conf;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy.HashPolicy;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy.LoadBalancer;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.ProxyView;
import dev.chronomesh.projector.generate.EndpointSelector;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * MeshLoadBalancingStrategy ({@code to}): the outbound cluster's lb_policy and its config, and the
 * route's hash policies for RingHash and Maglev, as Kuma's MeshLoadBalancingStrategy plugin.
 * Proxyless gRPC clients get ROUND_ROBIN, RING_HASH (xxHash, header and channel-id hashing) and
 * LEAST_REQUEST (gRFC A42, A48); Maglev and Random fall back to ROUND_ROBIN. {@code
 * localityAwareness.disabled} has nothing to switch off in a single zone; {@code localZone}
 * affinity tags and {@code crossZone} are refused by the model (endpoints are shared per cluster).
 * See {@code docs/policies/meshloadbalancingstrategy.md}.
 */
public final class MeshLoadBalancingStrategyConfigurer implements PolicyConfigurer<Conf> {
  /** Envoy's (and grpc-xds') upper bound of a ring size. */
  static final long MAX_RING_SIZE = 8_388_608L;

  /** Envoy's upper bound of a Maglev table size (a prime). */
  static final long MAX_TABLE_SIZE = 5_000_011L;

  /**
   * The runtime key Envoy reads active_request_bias from. Kuma's plugin leaves it out, but Envoy's
   * RuntimeDouble requires a key (validate.rules {@code min_len: 1}): without one Envoy rejects the
   * cluster.
   */
  static final String ACTIVE_REQUEST_BIAS_KEY = "upstream.least_request.active_request_bias";

  /** The only filter_state key grpc-xds hashes on (gRFC A42). */
  static final String GRPC_CHANNEL_ID = "io.grpc.channel_id";

  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

  @Override
  public PolicyType<Conf> type() {
    return MeshLoadBalancingStrategy.TYPE;
  }

  @Override
  public void outboundCluster(Place place, Conf conf, Cluster.Builder cluster) {
    if (!affinityTags(conf).isEmpty()) {
      // Kuma's LocalityWeightedLbConfigurer: the localities' weights share the traffic.
      cluster
          .getCommonLbConfigBuilder()
          .setLocalityWeightedLbConfig(
              Cluster.CommonLbConfig.LocalityWeightedLbConfig.newBuilder());
    }
    LoadBalancer lb = conf.loadBalancer();
    if (lb == null) {
      return;
    }
    boolean proxyless = place.proxyless();
    switch (lb.type()) {
      case "RoundRobin" -> roundRobin(cluster);
      case "LeastRequest" -> leastRequest(proxyless, lb.leastRequest(), cluster);
      case "RingHash" -> ringHash(proxyless, lb.ringHash(), cluster);
      case "Random" -> {
        if (proxyless) {
          roundRobin(cluster);
        } else {
          cluster.clearLbConfig().setLbPolicy(Cluster.LbPolicy.RANDOM);
        }
      }
      case "Maglev" -> {
        if (proxyless) {
          roundRobin(cluster);
        } else {
          maglev(lb.maglev(), cluster);
        }
      }
      default -> {
        // An unknown type (the admin API rejects it): leave the cluster as it is.
      }
    }
  }

  @Override
  public void outboundRoute(Place place, Conf conf, RouteAction.Builder route) {
    List<HashPolicy> items = hashPolicies(place.proxyless(), conf);
    if (items == null) {
      return;
    }
    List<RouteAction.HashPolicy> policies = new ArrayList<>();
    for (HashPolicy item : items == null ? List.<HashPolicy>of() : items) {
      hashPolicy(place.proxyless(), item).ifPresent(policies::add);
    }
    if (!policies.isEmpty()) {
      route.clearHashPolicy().addAllHashPolicy(policies);
    }
  }

  /**
   * Kuma's local-zone affinity groups ({@code priority.go} getLocalLbGroups) of a proxy: for each
   * affinity tag in order whose key the proxy has (on an inbound, its smallest value, else as a
   * label), its value and weight; weights left out are Kuma's, {@code 9 × 10^(n - i - 1)} for the
   * i-th of n tags, so the first group gets 90% of the traffic.
   */
  public static List<EndpointSelector.Affinity> affinity(Conf conf, ProxyView proxy) {
    List<AffinityTag> tags = affinityTags(conf);
    List<EndpointSelector.Affinity> out = new ArrayList<>();
    for (int i = 0; i < tags.size(); i++) {
      AffinityTag tag = tags.get(i);
      int weight =
          tag.weight() != null ? tag.weight() : 9 * (int) Math.pow(10, tags.size() - i - 1);
      Optional<String> value =
          proxy.inbounds().stream()
              .map(in -> in.tags().get(tag.key()))
              .filter(java.util.Objects::nonNull)
              .sorted()
              .findFirst()
              .or(() -> Optional.ofNullable(proxy.labels().get(tag.key())));
      value.ifPresent(v -> out.add(new EndpointSelector.Affinity(tag.key(), v, weight)));
    }
    return out;
  }

  private static List<AffinityTag> affinityTags(Conf conf) {
    if (conf.localityAwareness() == null
        || conf.localityAwareness().localZone() == null
        || conf.localityAwareness().localZone().affinityTags() == null) {
      return List.of();
    }
    return conf.localityAwareness().localZone().affinityTags();
  }

  /**
   * The hash policies of the route: Kuma 2.14's {@code default.hashPolicies} (whatever the load
   * balancer, as Kuma), else those of older Kuma under {@code ringHash} or {@code maglev} when that
   * is the load balancer. Proxyless clients hash only with a ring hash.
   */
  private static List<HashPolicy> hashPolicies(boolean proxyless, Conf conf) {
    LoadBalancer lb = conf.loadBalancer();
    String type = lb == null ? null : lb.type();
    if (proxyless && !"RingHash".equals(type)) {
      return null;
    }
    if (conf.hashPolicies() != null) {
      return conf.hashPolicies();
    }
    if ("RingHash".equals(type)) {
      return lb.ringHash() == null ? null : lb.ringHash().hashPolicies();
    }
    if ("Maglev".equals(type)) {
      return lb.maglev() == null ? null : lb.maglev().hashPolicies();
    }
    return null;
  }

  private static void roundRobin(Cluster.Builder cluster) {
    cluster.clearLbConfig().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
  }

  private static void leastRequest(
      boolean proxyless, MeshLoadBalancingStrategy.LeastRequest conf, Cluster.Builder cluster) {
    Cluster.LeastRequestLbConfig.Builder config = Cluster.LeastRequestLbConfig.newBuilder();
    if (conf != null && conf.choiceCount() != null && conf.choiceCount() >= 2) {
      config.setChoiceCount(UInt32Value.of(conf.choiceCount()));
    }
    if (!proxyless && conf != null && conf.activeRequestBias() != null) {
      // grpc-xds has no active request bias (gRFC A48).
      Optional<BigDecimal> bias = conf.activeRequestBias().decimal();
      bias.filter(b -> b.signum() >= 0)
          .ifPresent(
              b ->
                  config.setActiveRequestBias(
                      RuntimeDouble.newBuilder()
                          .setDefaultValue(b.doubleValue())
                          .setRuntimeKey(ACTIVE_REQUEST_BIAS_KEY)));
    }
    cluster.clearLbConfig().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
    if (!config.build().equals(Cluster.LeastRequestLbConfig.getDefaultInstance())) {
      cluster.setLeastRequestLbConfig(config);
    }
  }

  private static void ringHash(
      boolean proxyless, MeshLoadBalancingStrategy.RingHash conf, Cluster.Builder cluster) {
    Cluster.RingHashLbConfig.Builder config = Cluster.RingHashLbConfig.newBuilder();
    // grpc-xds NACKs MURMUR_HASH_2 (gRFC A42): proxyless clients always get xxHash.
    if (!proxyless && conf != null && "MurmurHash2".equals(conf.hashFunction())) {
      config.setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2);
    }
    Integer min = conf == null ? null : conf.minRingSize();
    Integer max = conf == null ? null : conf.maxRingSize();
    long minValue = min != null && min >= 0 ? Math.min(min, MAX_RING_SIZE) : -1;
    long maxValue = max != null && max >= 0 ? Math.min(max, MAX_RING_SIZE) : -1;
    if (minValue > 0) {
      config.setMinimumRingSize(UInt64Value.of(minValue));
    }
    if (maxValue > 0) {
      // Envoy and grpc-xds reject a maximum below the minimum.
      config.setMaximumRingSize(UInt64Value.of(Math.max(maxValue, minValue)));
    }
    cluster.clearLbConfig().setLbPolicy(Cluster.LbPolicy.RING_HASH);
    cluster.setRingHashLbConfig(config);
  }

  private static void maglev(MeshLoadBalancingStrategy.Maglev conf, Cluster.Builder cluster) {
    cluster.clearLbConfig().setLbPolicy(Cluster.LbPolicy.MAGLEV);
    if (conf != null && conf.tableSize() != null && conf.tableSize() > 0) {
      cluster.setMaglevLbConfig(
          Cluster.MaglevLbConfig.newBuilder()
              .setTableSize(UInt64Value.of(Math.min(conf.tableSize(), MAX_TABLE_SIZE))));
    }
  }

  /**
   * Kuma's hash policy {type, terminal, header{name}, cookie{name, ttl, path},
   * connection{sourceIP}, queryParameter{name}, filterState{key}}. Proxyless clients hash only on
   * headers and the filter state {@code io.grpc.channel_id}; the rest is left out for them.
   */
  private static Optional<RouteAction.HashPolicy> hashPolicy(boolean proxyless, HashPolicy item) {
    RouteAction.HashPolicy.Builder policy = RouteAction.HashPolicy.newBuilder();
    if (item.terminal() != null) {
      policy.setTerminal(item.terminal());
    }
    switch (item.type()) {
      case "Header" -> {
        String name = item.header() == null ? null : item.header().name();
        if (name == null
            || !HEADER_NAME.matcher(name).matches()
            || (proxyless && name.endsWith("-bin"))) {
          return Optional.empty();
        }
        policy.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(name));
      }
      case "FilterState" -> {
        String key = item.filterState() == null ? null : item.filterState().key();
        if (key == null || key.isEmpty() || (proxyless && !key.equals(GRPC_CHANNEL_ID))) {
          return Optional.empty();
        }
        policy.setFilterState(RouteAction.HashPolicy.FilterState.newBuilder().setKey(key));
      }
      case "Cookie" -> {
        MeshLoadBalancingStrategy.Cookie cookie = item.cookie();
        if (proxyless || cookie == null || cookie.name().isEmpty()) {
          return Optional.empty();
        }
        RouteAction.HashPolicy.Cookie.Builder c =
            RouteAction.HashPolicy.Cookie.newBuilder().setName(cookie.name());
        if (cookie.ttl() != null) {
          c.setTtl(EnvoyValues.duration(cookie.ttl()));
        }
        if (cookie.path() != null) {
          c.setPath(cookie.path());
        }
        policy.setCookie(c);
      }
      case "Connection" -> {
        if (proxyless) {
          return Optional.empty();
        }
        boolean sourceIp =
            item.connection() != null && Boolean.TRUE.equals(item.connection().sourceIP());
        policy.setConnectionProperties(
            RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(sourceIp));
      }
      case "QueryParameter" -> {
        String name = item.queryParameter() == null ? null : item.queryParameter().name();
        if (proxyless || name == null || name.isEmpty()) {
          return Optional.empty();
        }
        policy.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder().setName(name));
      }
      default -> {
        return Optional.empty();
      }
    }
    return Optional.of(policy.build());
  }
}
