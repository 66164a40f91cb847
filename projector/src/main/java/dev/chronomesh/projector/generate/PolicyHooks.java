package dev.chronomesh.projector.generate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.meshmodel.ProxyViews;
import dev.chronomesh.meshmodel.policy.PolicyEngine;
import dev.chronomesh.meshmodel.policy.ProxyView;
import dev.chronomesh.projector.generate.policy.Place;
import dev.chronomesh.projector.generate.policy.PolicyPlugin;
import dev.chronomesh.projector.generate.policy.PolicyPlugins;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Consumer;

/**
 * The merged confs of every {@link PolicyPlugins#all() plugin} for one proxy, and the calls of its
 * hooks at each place. Outbound hooks get the {@code to} conf of the place's service (else the
 * {@link PolicyEngine#MESH_KEY} conf); inbound hooks get the {@code from} conf of the inbound with
 * source {@link PolicyEngine#MESH_KEY}. A hook is called only when a conf applies, with its own
 * copy.
 */
final class PolicyHooks {
  private record Applied(
      PolicyPlugin plugin,
      SortedMap<String, ObjectNode> to,
      SortedMap<String, SortedMap<String, ObjectNode>> from,
      SortedMap<String, ObjectNode> rules) {}

  private final List<Applied> applied;

  private PolicyHooks(List<Applied> applied) {
    this.applied = applied;
  }

  static PolicyHooks of(MeshContext mesh, DataplaneResource dataplane) {
    ProxyView proxy = ProxyViews.of(dataplane);
    List<Applied> applied = new ArrayList<>();
    for (PolicyPlugin plugin : PolicyPlugins.all()) {
      var policies = mesh.policies(plugin.type());
      if (policies.isEmpty()) {
        continue;
      }
      PolicyEngine engine = plugin.engine();
      applied.add(
          new Applied(
              plugin,
              engine.toRules(proxy, policies),
              engine.fromRules(proxy, policies),
              engine.inboundRules(proxy, policies)));
    }
    return new PolicyHooks(List.copyOf(applied));
  }

  /** The {@code to} conf for {@code service}: its own key, else the Mesh key, else null. */
  static ObjectNode toConf(Map<String, ObjectNode> to, String service) {
    ObjectNode conf = to.get(service);
    if (conf == null) {
      conf = to.get(PolicyEngine.MESH_KEY);
    }
    return conf == null ? null : conf.deepCopy();
  }

  private void outbound(Place place, Consumer<Call> call) {
    for (Applied a : applied) {
      ObjectNode conf = toConf(a.to(), place.service());
      if (conf != null) {
        call.accept(new Call(a.plugin(), conf));
      }
    }
  }

  /**
   * The inbound conf: the merged {@code rules} of the policies selecting the inbound (Kuma 2.10's
   * inbound style) when there are any, else the merged {@code from} conf of source Mesh.
   */
  private void inbound(String inboundKey, Consumer<Call> call) {
    for (Applied a : applied) {
      SortedMap<String, ObjectNode> sources = a.from().get(inboundKey);
      ObjectNode conf = a.rules().get(inboundKey);
      if (conf == null) {
        conf = sources == null ? null : sources.get(PolicyEngine.MESH_KEY);
      }
      if (conf != null) {
        call.accept(new Call(a.plugin(), conf.deepCopy()));
      }
    }
  }

  private record Call(PolicyPlugin plugin, ObjectNode conf) {}

  void outboundCluster(Place place, io.envoyproxy.envoy.config.cluster.v3.Cluster.Builder cluster) {
    outbound(place, c -> c.plugin().outboundCluster(place, c.conf(), cluster));
  }

  void outboundRoute(Place place, io.envoyproxy.envoy.config.route.v3.RouteAction.Builder route) {
    outbound(place, c -> c.plugin().outboundRoute(place, c.conf(), route));
  }

  void outboundHttp(
      Place place,
      io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
              .HttpConnectionManager.Builder
          hcm) {
    outbound(place, c -> c.plugin().outboundHttp(place, c.conf(), hcm));
  }

  void outboundTcp(
      Place place,
      io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.Builder tcp) {
    outbound(place, c -> c.plugin().outboundTcp(place, c.conf(), tcp));
  }

  void inboundCluster(
      String inboundKey,
      Place place,
      io.envoyproxy.envoy.config.cluster.v3.Cluster.Builder cluster) {
    inbound(inboundKey, c -> c.plugin().inboundCluster(place, c.conf(), cluster));
  }

  void inboundRoute(
      String inboundKey,
      Place place,
      io.envoyproxy.envoy.config.route.v3.RouteAction.Builder route) {
    inbound(inboundKey, c -> c.plugin().inboundRoute(place, c.conf(), route));
  }

  void inboundHttp(
      String inboundKey,
      Place place,
      io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
              .HttpConnectionManager.Builder
          hcm) {
    inbound(inboundKey, c -> c.plugin().inboundHttp(place, c.conf(), hcm));
  }

  void inboundTcp(
      String inboundKey,
      Place place,
      io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.Builder tcp) {
    inbound(inboundKey, c -> c.plugin().inboundTcp(place, c.conf(), tcp));
  }
}
