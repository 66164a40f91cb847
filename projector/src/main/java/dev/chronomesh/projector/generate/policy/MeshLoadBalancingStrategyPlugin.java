package dev.chronomesh.projector.generate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * MeshLoadBalancingStrategy ({@code to}): the outbound cluster's lb_policy and its config, and the
 * route's hash policies for RingHash and Maglev, as Kuma's MeshLoadBalancingStrategy plugin.
 * Proxyless gRPC clients get ROUND_ROBIN, RING_HASH (xxHash, header and channel-id hashing) and
 * LEAST_REQUEST (gRFC A42, A48); Maglev and Random fall back to ROUND_ROBIN. {@code
 * localityAwareness} is not applied (endpoints are shared per cluster). See {@code
 * docs/policies/meshloadbalancingstrategy.md}.
 */
public final class MeshLoadBalancingStrategyPlugin implements PolicyPlugin {
  /** Kuma's position: 3rd of its ordered policy plugins, right after the route policies. */
  static final int ORDER = 300;

  /** Envoy's (and grpc-xds') upper bound of a ring size. */
  static final long MAX_RING_SIZE = 8_388_608L;

  /** Envoy's upper bound of a Maglev table size (a prime). */
  static final long MAX_TABLE_SIZE = 5_000_011L;

  /** The runtime key Envoy reads active_request_bias from (a RuntimeDouble needs one). */
  static final String ACTIVE_REQUEST_BIAS_KEY = "upstream.least_request.active_request_bias";

  /** The only filter_state key grpc-xds hashes on (gRFC A42). */
  static final String GRPC_CHANNEL_ID = "io.grpc.channel_id";

  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");

  @Override
  public String type() {
    return "MeshLoadBalancingStrategy";
  }

  @Override
  public int order() {
    return ORDER;
  }

  @Override
  public void outboundCluster(Place place, ObjectNode conf, Cluster.Builder cluster) {
    JsonNode lb = Conf.at(conf, "loadBalancer");
    Optional<String> type = Conf.text(lb, "type");
    if (type.isEmpty()) {
      return;
    }
    boolean proxyless = place.proxyless();
    switch (type.get()) {
      case "RoundRobin" -> roundRobin(cluster);
      case "LeastRequest" -> leastRequest(proxyless, Conf.at(lb, "leastRequest"), cluster);
      case "RingHash" -> ringHash(proxyless, Conf.at(lb, "ringHash"), cluster);
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
          maglev(Conf.at(lb, "maglev"), cluster);
        }
      }
      default -> {
        // An unknown type (the admin API rejects it): leave the cluster as it is.
      }
    }
  }

  @Override
  public void outboundRoute(Place place, ObjectNode conf, RouteAction.Builder route) {
    JsonNode lb = Conf.at(conf, "loadBalancer");
    String type = Conf.text(lb, "type").orElse("");
    JsonNode section;
    if (type.equals("RingHash")) {
      section = Conf.at(lb, "ringHash");
    } else if (type.equals("Maglev") && !place.proxyless()) {
      section = Conf.at(lb, "maglev");
    } else {
      return;
    }
    List<RouteAction.HashPolicy> policies = new ArrayList<>();
    for (JsonNode item : Conf.list(section, "hashPolicies")) {
      hashPolicy(place.proxyless(), item).ifPresent(policies::add);
    }
    if (!policies.isEmpty()) {
      route.clearHashPolicy().addAllHashPolicy(policies);
    }
  }

  private static void roundRobin(Cluster.Builder cluster) {
    cluster.clearLbConfig().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
  }

  private static void leastRequest(boolean proxyless, JsonNode conf, Cluster.Builder cluster) {
    Cluster.LeastRequestLbConfig.Builder config = Cluster.LeastRequestLbConfig.newBuilder();
    OptionalLong choiceCount = Conf.integer(conf, "choiceCount");
    if (choiceCount.isPresent() && choiceCount.getAsLong() >= 2) {
      config.setChoiceCount(UInt32Value.of((int) Math.min(choiceCount.getAsLong(), 0xFFFF_FFFFL)));
    }
    if (!proxyless) {
      // grpc-xds has no active request bias (gRFC A48).
      Optional<BigDecimal> bias = Conf.decimal(conf, "activeRequestBias");
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

  private static void ringHash(boolean proxyless, JsonNode conf, Cluster.Builder cluster) {
    Cluster.RingHashLbConfig.Builder config = Cluster.RingHashLbConfig.newBuilder();
    // grpc-xds NACKs MURMUR_HASH_2 (gRFC A42): proxyless clients always get xxHash.
    if (!proxyless && Conf.text(conf, "hashFunction").orElse("").equals("MurmurHash2")) {
      config.setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2);
    }
    OptionalLong min = Conf.integer(conf, "minRingSize");
    OptionalLong max = Conf.integer(conf, "maxRingSize");
    long minValue = min.isPresent() ? Math.min(min.getAsLong(), MAX_RING_SIZE) : -1;
    long maxValue = max.isPresent() ? Math.min(max.getAsLong(), MAX_RING_SIZE) : -1;
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

  private static void maglev(JsonNode conf, Cluster.Builder cluster) {
    cluster.clearLbConfig().setLbPolicy(Cluster.LbPolicy.MAGLEV);
    OptionalLong tableSize = Conf.integer(conf, "tableSize");
    if (tableSize.isPresent() && tableSize.getAsLong() > 0) {
      cluster.setMaglevLbConfig(
          Cluster.MaglevLbConfig.newBuilder()
              .setTableSize(UInt64Value.of(Math.min(tableSize.getAsLong(), MAX_TABLE_SIZE))));
    }
  }

  /**
   * Kuma's hash policy {type, terminal, header{name}, cookie{name, ttl, path},
   * connection{sourceIP}, queryParameter{name}, filterState{key}}. Proxyless clients hash only on
   * headers and the filter state {@code io.grpc.channel_id}; the rest is left out for them.
   */
  private static Optional<RouteAction.HashPolicy> hashPolicy(boolean proxyless, JsonNode item) {
    RouteAction.HashPolicy.Builder policy = RouteAction.HashPolicy.newBuilder();
    Conf.bool(item, "terminal").ifPresent(policy::setTerminal);
    switch (Conf.text(item, "type").orElse("")) {
      case "Header" -> {
        Optional<String> name =
            Conf.text(Conf.at(item, "header"), "name")
                .filter(n -> HEADER_NAME.matcher(n).matches());
        if (name.isEmpty() || (proxyless && name.get().endsWith("-bin"))) {
          return Optional.empty();
        }
        policy.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(name.get()));
      }
      case "FilterState" -> {
        Optional<String> key =
            Conf.text(Conf.at(item, "filterState"), "key").filter(k -> !k.isEmpty());
        if (key.isEmpty() || (proxyless && !key.get().equals(GRPC_CHANNEL_ID))) {
          return Optional.empty();
        }
        policy.setFilterState(RouteAction.HashPolicy.FilterState.newBuilder().setKey(key.get()));
      }
      case "Cookie" -> {
        JsonNode cookie = Conf.at(item, "cookie");
        Optional<String> name = Conf.text(cookie, "name").filter(n -> !n.isEmpty());
        if (proxyless || name.isEmpty()) {
          return Optional.empty();
        }
        RouteAction.HashPolicy.Cookie.Builder c =
            RouteAction.HashPolicy.Cookie.newBuilder().setName(name.get());
        Conf.duration(cookie, "ttl").ifPresent(c::setTtl);
        Conf.text(cookie, "path").ifPresent(c::setPath);
        policy.setCookie(c);
      }
      case "Connection" -> {
        if (proxyless) {
          return Optional.empty();
        }
        policy.setConnectionProperties(
            RouteAction.HashPolicy.ConnectionProperties.newBuilder()
                .setSourceIp(Conf.bool(Conf.at(item, "connection"), "sourceIP").orElse(false)));
      }
      case "SourceIP" -> {
        if (proxyless) {
          return Optional.empty();
        }
        policy.setConnectionProperties(
            RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
      }
      case "QueryParameter" -> {
        Optional<String> name =
            Conf.text(Conf.at(item, "queryParameter"), "name").filter(n -> !n.isEmpty());
        if (proxyless || name.isEmpty()) {
          return Optional.empty();
        }
        policy.setQueryParameter(
            RouteAction.HashPolicy.QueryParameter.newBuilder().setName(name.get()));
      }
      default -> {
        return Optional.empty();
      }
    }
    return Optional.of(policy.build());
  }
}
