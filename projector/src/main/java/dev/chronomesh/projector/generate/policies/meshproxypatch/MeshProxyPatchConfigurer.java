package dev.chronomesh.projector.generate.policies.meshproxypatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.flipkart.zjsonpatch.JsonPatch;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Value;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import dev.chronomesh.meshmodel.policies.meshproxypatch.MeshProxyPatch;
import dev.chronomesh.meshmodel.policies.meshproxypatch.MeshProxyPatch.Conf;
import dev.chronomesh.meshmodel.policies.meshproxypatch.MeshProxyPatch.Modification;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.projector.generate.policy.EnvoyValues;
import dev.chronomesh.projector.generate.policy.PolicyConfigurer;
import dev.chronomesh.projector.generate.policy.ProxyPlace;
import dev.chronomesh.projector.generate.policy.ProxyResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * MeshProxyPatch: the proxy's merged {@code appendModifications}, applied in order to its generated
 * resources after every other policy, as Kuma's plugin: clusters, listeners and virtual hosts are
 * added, patched (a YAML value merged as protobuf merges, or RFC 6902 JSON patches on the
 * resource's JSON form) or removed; network and HTTP filters also added first, last, before or
 * after a named one. A resource's {@code origin} is {@code inbound} or {@code outbound} by its name
 * ({@code inbound:...}/{@code localhost:...} are inbound; every resource of a proxyless client is
 * outbound), {@code admin} for Kuma's admin listener and clusters, {@code gateway} for every other
 * resource of a builtin gateway (Kuma's {@code OriginGateway}). A modification that cannot be
 * applied to a resource (a JSON patch whose path is missing) leaves that resource unchanged. See
 * {@code docs/policies/meshproxypatch.md}.
 */
public final class MeshProxyPatchConfigurer implements PolicyConfigurer<Conf> {
  static final String HCM = "envoy.filters.network.http_connection_manager";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public PolicyType<Conf> type() {
    return MeshProxyPatch.TYPE;
  }

  @Override
  public void proxy(ProxyPlace place, Conf conf, ProxyResources resources) {
    for (Modification m :
        conf.appendModifications() == null ? List.<Modification>of() : conf.appendModifications()) {
      if (m.cluster() != null) {
        cluster(place, m.cluster(), resources.clusters());
      } else if (m.listener() != null) {
        listener(place, m.listener(), resources.listeners());
      } else if (m.networkFilter() != null) {
        networkFilter(place, m.networkFilter(), resources.listeners());
      } else if (m.httpFilter() != null) {
        httpFilter(place, m.httpFilter(), resources.listeners());
      } else if (m.virtualHost() != null) {
        virtualHost(place, m.virtualHost(), resources);
      }
    }
  }

  // ---- clusters

  private static void cluster(
      ProxyPlace place, MeshProxyPatch.ClusterMod mod, SortedMap<String, Message> clusters) {
    switch (mod.operation()) {
      case "Add" ->
          parse(mod.value(), Cluster::newBuilder)
              .ifPresent(c -> clusters.put(((Cluster) c).getName(), c));
      case "Patch", "Remove" -> {
        for (String name : List.copyOf(clusters.keySet())) {
          var match = mod.match();
          if (match != null
              && ((match.name() != null && !match.name().equals(name))
                  || (match.origin() != null
                      && !match.origin().equals(clusterOrigin(place, name))))) {
            continue;
          }
          if (mod.operation().equals("Remove")) {
            clusters.remove(name);
          } else {
            clusters.put(name, patch(clusters.get(name), mod.value(), mod.jsonPatches()));
          }
        }
      }
      default -> {}
    }
  }

  static String clusterOrigin(ProxyPlace place, String name) {
    if (place.proxyless()) {
      return "outbound";
    }
    if (name.startsWith("localhost:")) {
      return "inbound";
    }
    if (name.startsWith("kuma:")) {
      return "admin";
    }
    return place.builtinGateway() ? "gateway" : "outbound";
  }

  // ---- listeners

  private static void listener(
      ProxyPlace place, MeshProxyPatch.ListenerMod mod, SortedMap<String, Message> listeners) {
    switch (mod.operation()) {
      case "Add" ->
          parse(mod.value(), Listener::newBuilder)
              .ifPresent(l -> listeners.put(((Listener) l).getName(), l));
      case "Patch", "Remove" -> {
        for (String name : List.copyOf(listeners.keySet())) {
          Listener listener = (Listener) listeners.get(name);
          var match = mod.match();
          if (match != null
              && !listenerMatches(place, listener, match.name(), match.origin(), match.tags())) {
            continue;
          }
          if (mod.operation().equals("Remove")) {
            listeners.remove(name);
          } else {
            listeners.put(name, patch(listener, mod.value(), mod.jsonPatches()));
          }
        }
      }
      default -> {}
    }
  }

  static String listenerOrigin(ProxyPlace place, Listener listener) {
    if (place.proxyless()) {
      return "outbound";
    }
    String name = listener.getName();
    if (name.startsWith("inbound:")) {
      return "inbound";
    }
    if (name.startsWith("outbound:")) {
      return "outbound";
    }
    return place.builtinGateway() && !name.startsWith("kuma:") ? "gateway" : "admin";
  }

  private static boolean listenerMatches(
      ProxyPlace place, Listener listener, String name, String origin, Map<String, String> tags) {
    if (name != null && !name.equals(listener.getName())) {
      return false;
    }
    if (origin != null && !origin.equals(listenerOrigin(place, listener))) {
      return false;
    }
    if (tags != null) {
      var fields =
          listener
              .getMetadata()
              .getFilterMetadataOrDefault(
                  KumaTags.TAGS_METADATA, com.google.protobuf.Struct.getDefaultInstance());
      for (var tag : tags.entrySet()) {
        Value v = fields.getFieldsMap().get(tag.getKey());
        if (v == null || !v.getStringValue().equals(tag.getValue())) {
          return false;
        }
      }
    }
    return true;
  }

  // ---- network filters

  private static void networkFilter(
      ProxyPlace place, MeshProxyPatch.NetworkFilterMod mod, SortedMap<String, Message> listeners) {
    var match = mod.match();
    String filterName = match == null ? null : match.name();
    for (String name : List.copyOf(listeners.keySet())) {
      Listener listener = (Listener) listeners.get(name);
      if (match != null
          && !listenerMatches(
              place, listener, match.listenerName(), match.origin(), match.listenerTags())) {
        continue;
      }
      Listener.Builder builder = listener.toBuilder();
      for (FilterChain.Builder chain : builder.getFilterChainsBuilderList()) {
        List<Filter> filters = new ArrayList<>(chain.getFiltersList());
        List<Filter> changed =
            list(
                filters,
                Filter::getName,
                mod.operation(),
                filterName,
                () -> parse(mod.value(), Filter::newBuilder).map(Filter.class::cast).orElse(null),
                f -> (Filter) patch(f, mod.value(), ofTypedConfig(mod.jsonPatches())));
        chain.clearFilters().addAllFilters(changed);
      }
      listeners.put(name, builder.build());
    }
  }

  // ---- HTTP filters

  private static void httpFilter(
      ProxyPlace place, MeshProxyPatch.HttpFilterMod mod, SortedMap<String, Message> listeners) {
    var match = mod.match();
    String filterName = match == null ? null : match.name();
    UnaryOperator<HttpConnectionManager> change =
        hcm -> {
          List<HttpFilter> changed =
              list(
                  new ArrayList<>(hcm.getHttpFiltersList()),
                  HttpFilter::getName,
                  mod.operation(),
                  filterName,
                  () ->
                      parse(mod.value(), HttpFilter::newBuilder)
                          .map(HttpFilter.class::cast)
                          .orElse(null),
                  f -> (HttpFilter) patch(f, mod.value(), ofTypedConfig(mod.jsonPatches())));
          return hcm.toBuilder().clearHttpFilters().addAllHttpFilters(changed).build();
        };
    for (String name : List.copyOf(listeners.keySet())) {
      Listener listener = (Listener) listeners.get(name);
      if (match != null
          && !listenerMatches(
              place, listener, match.listenerName(), match.origin(), match.listenerTags())) {
        continue;
      }
      listeners.put(name, withConnectionManagers(listener, change));
    }
  }

  /** {@code listener} with {@code change} applied to each of its HTTP connection managers. */
  private static Listener withConnectionManagers(
      Listener listener, UnaryOperator<HttpConnectionManager> change) {
    Listener.Builder builder = listener.toBuilder();
    if (builder.hasApiListener()) {
      unpack(builder.getApiListener().getApiListener())
          .ifPresent(
              hcm ->
                  builder
                      .getApiListenerBuilder()
                      .setApiListener(EnvoyValues.pack(change.apply(hcm))));
    }
    for (FilterChain.Builder chain : builder.getFilterChainsBuilderList()) {
      for (Filter.Builder filter : chain.getFiltersBuilderList()) {
        if (filter.getName().equals(HCM) && filter.hasTypedConfig()) {
          unpack(filter.getTypedConfig())
              .ifPresent(hcm -> filter.setTypedConfig(EnvoyValues.pack(change.apply(hcm))));
        }
      }
    }
    return builder.build();
  }

  // ---- virtual hosts

  private static void virtualHost(
      ProxyPlace place, MeshProxyPatch.VirtualHostMod mod, ProxyResources resources) {
    var match = mod.match();
    UnaryOperator<RouteConfiguration> change =
        routes -> {
          if (match.routeConfigurationName() != null
              && !match.routeConfigurationName().equals(routes.getName())) {
            return routes;
          }
          if (match.origin() != null && !match.origin().equals(routeOrigin(place, routes))) {
            return routes;
          }
          RouteConfiguration.Builder builder = routes.toBuilder();
          if (mod.operation().equals("Add")) {
            parse(mod.value(), VirtualHost::newBuilder)
                .ifPresent(vh -> builder.addVirtualHosts((VirtualHost) vh));
            return builder.build();
          }
          List<VirtualHost> hosts = new ArrayList<>();
          for (VirtualHost vh : routes.getVirtualHostsList()) {
            boolean matches = match.name() == null || match.name().equals(vh.getName());
            if (!matches) {
              hosts.add(vh);
            } else if (mod.operation().equals("Patch")) {
              hosts.add((VirtualHost) patch(vh, mod.value(), mod.jsonPatches()));
            }
          }
          return builder.clearVirtualHosts().addAllVirtualHosts(hosts).build();
        };
    // RDS route configurations (proxyless) and the inline ones of connection managers (sidecar).
    for (String name : List.copyOf(resources.routes().keySet())) {
      resources.routes().put(name, change.apply((RouteConfiguration) resources.routes().get(name)));
    }
    for (String name : List.copyOf(resources.listeners().keySet())) {
      Listener listener = (Listener) resources.listeners().get(name);
      resources
          .listeners()
          .put(
              name,
              withConnectionManagers(
                  listener,
                  hcm ->
                      hcm.hasRouteConfig()
                          ? hcm.toBuilder()
                              .setRouteConfig(change.apply(hcm.getRouteConfig()))
                              .build()
                          : hcm));
    }
  }

  static String routeOrigin(ProxyPlace place, RouteConfiguration routes) {
    if (place.proxyless()) {
      return "outbound";
    }
    if (place.builtinGateway()) {
      return "gateway";
    }
    return routes.getName().startsWith("inbound:") ? "inbound" : "outbound";
  }

  // ---- shared

  /** Kuma's filter list operations on {@code items}, matched by name. */
  private static <T> List<T> list(
      List<T> items,
      Function<T, String> nameOf,
      String operation,
      String name,
      Supplier<T> value,
      UnaryOperator<T> patch) {
    List<T> out = new ArrayList<>(items);
    switch (operation) {
      case "AddFirst" -> add(out, 0, value.get());
      case "AddLast" -> add(out, out.size(), value.get());
      case "AddBefore", "AddAfter" -> {
        for (int i = 0; i < out.size(); i++) {
          if (nameOf.apply(out.get(i)).equals(name)) {
            add(out, operation.equals("AddBefore") ? i : i + 1, value.get());
            break;
          }
        }
      }
      case "Patch" -> out.replaceAll(f -> nameOf.apply(f).equals(name) ? patch.apply(f) : f);
      case "Remove" -> out.removeIf(f -> name == null || nameOf.apply(f).equals(name));
      default -> {}
    }
    return out;
  }

  private static <T> void add(List<T> list, int at, T item) {
    if (item != null) {
      list.add(at, item);
    }
  }

  /** The resource a YAML value describes, or empty when it no longer parses. */
  private static java.util.Optional<Message> parse(
      String yaml, Supplier<? extends Message.Builder> type) {
    if (yaml == null) {
      return java.util.Optional.empty();
    }
    Message.Builder builder = type.get();
    try {
      EnvoyJson.merge(yaml, builder);
      return java.util.Optional.of(builder.build());
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * {@code resource} patched: the YAML value merged into it as protobuf merges (lists appended), or
   * the JSON patches applied to its JSON form; unchanged when the patch cannot be applied.
   */
  private static Message patch(
      Message resource, String value, List<MeshProxyPatch.JsonPatch> patches) {
    try {
      if (value != null) {
        // Parsed on its own, then merged as protobuf merges (Kuma's proto.Merge): a oneof or an
        // Any is replaced, a list is appended to.
        Message.Builder patch = resource.newBuilderForType();
        EnvoyJson.merge(value, patch);
        return resource.toBuilder().mergeFrom(patch.build()).build();
      }
      if (patches != null && !patches.isEmpty()) {
        JsonNode patched =
            JsonPatch.apply(JSON.valueToTree(patchJson(patches)), EnvoyJson.toJson(resource));
        Message.Builder builder = resource.newBuilderForType();
        EnvoyJson.merge(patched, builder);
        return builder.build();
      }
    } catch (RuntimeException e) {
      // An inapplicable patch (a missing path, a value of the wrong type): left as it is.
    }
    return resource;
  }

  /**
   * A filter's JSON patches, whose paths Kuma resolves in the filter's typed config ({@code
   * MergeJsonPatchAny(filter.GetTypedConfig(), ...)}: {@code /streamIdleTimeout} of an HCM), as
   * paths in the filter's JSON form.
   */
  private static List<MeshProxyPatch.JsonPatch> ofTypedConfig(
      List<MeshProxyPatch.JsonPatch> patches) {
    if (patches == null) {
      return null;
    }
    return patches.stream()
        .map(
            p ->
                new MeshProxyPatch.JsonPatch(
                    p.op(),
                    "/typedConfig" + p.path(),
                    p.value(),
                    p.from() == null ? null : "/typedConfig" + p.from()))
        .toList();
  }

  private static List<Map<String, Object>> patchJson(List<MeshProxyPatch.JsonPatch> patches) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (MeshProxyPatch.JsonPatch p : patches) {
      Map<String, Object> op = new java.util.LinkedHashMap<>();
      op.put("op", p.op());
      op.put("path", p.path());
      if (p.value() != null) {
        op.put("value", p.value());
      }
      if (p.from() != null) {
        op.put("from", p.from());
      }
      out.add(op);
    }
    return out;
  }

  private static java.util.Optional<HttpConnectionManager> unpack(Any any) {
    try {
      return any.is(HttpConnectionManager.class)
          ? java.util.Optional.of(any.unpack(HttpConnectionManager.class))
          : java.util.Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return java.util.Optional.empty();
    }
  }
}
