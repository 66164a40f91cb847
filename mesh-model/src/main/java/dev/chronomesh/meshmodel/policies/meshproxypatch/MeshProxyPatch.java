package dev.chronomesh.meshmodel.policies.meshproxypatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Message;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.envoy.EnvoyJson;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Kuma's MeshProxyPatch ({@code pkg/plugins/policies/meshproxypatch}, v2.14): modifications of the
 * generated Envoy resources of the proxies its top-level targetRef selects (clusters, listeners,
 * network filters, HTTP filters, virtual hosts; by a YAML value or RFC 6902 JSON patches), applied
 * after every other policy, as in Kuma. Its single section is {@code spec.default}. See {@code
 * docs/policies/meshproxypatch.md}.
 */
public final class MeshProxyPatch {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshProxyPatch", Conf.class)
          .plural("meshproxypatches")
          .displayNames("Mesh Proxy Patch", "Mesh Proxy Patches")
          .summary("Modifications of the generated Envoy resources, applied last.")
          .order(9999)
          .sections(Section.DEFAULT)
          // Kuma's merge: every matching policy's modifications, least specific first.
          .validator(MeshProxyPatch::validate)
          .build();

  /** The operations on whole resources (clusters, listeners, virtual hosts). */
  static final List<String> RESOURCE_OPS = List.of("Add", "Patch", "Remove");

  /** The operations on filters in a list (network and HTTP filters). */
  static final List<String> FILTER_OPS =
      List.of("AddFirst", "AddLast", "AddBefore", "AddAfter", "Patch", "Remove");

  private MeshProxyPatch() {}

  /** {@code spec.default}: the modifications, appended across matching policies. */
  public record Conf(List<Modification> appendModifications) {}

  /** Exactly one of the five modifications. */
  public record Modification(
      ClusterMod cluster,
      ListenerMod listener,
      NetworkFilterMod networkFilter,
      HttpFilterMod httpFilter,
      VirtualHostMod virtualHost) {}

  /** One RFC 6902 operation. */
  public record JsonPatch(
      @Required String op, @Required String path, JsonNode value, String from) {}

  public record ClusterMod(
      ClusterMatch match, @Required String operation, String value, List<JsonPatch> jsonPatches) {}

  public record ClusterMatch(String origin, String name) {}

  public record ListenerMod(
      ListenerMatch match, @Required String operation, String value, List<JsonPatch> jsonPatches) {}

  public record ListenerMatch(String origin, String name, Map<String, String> tags) {}

  public record NetworkFilterMod(
      NetworkFilterMatch match,
      @Required String operation,
      String value,
      List<JsonPatch> jsonPatches) {}

  public record NetworkFilterMatch(
      String origin, String name, String listenerName, Map<String, String> listenerTags) {}

  public record HttpFilterMod(
      HttpFilterMatch match,
      @Required String operation,
      String value,
      List<JsonPatch> jsonPatches) {}

  public record HttpFilterMatch(
      String origin, String name, String listenerName, Map<String, String> listenerTags) {}

  public record VirtualHostMod(
      @Required VirtualHostMatch match,
      @Required String operation,
      String value,
      List<JsonPatch> jsonPatches) {}

  public record VirtualHostMatch(String origin, String name, String routeConfigurationName) {}

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    Conf conf = spec.defaultConf();
    if (conf == null) {
      c.add("spec.default", "must be defined");
      return;
    }
    String path = "spec.default.appendModifications";
    List<Modification> mods =
        conf.appendModifications() == null ? List.of() : conf.appendModifications();
    if (mods.isEmpty()) {
      c.add(path, "must not be empty");
    }
    for (int i = 0; i < mods.size(); i++) {
      String p = path + "[" + i + "]";
      Modification m = mods.get(i);
      long defined =
          java.util.stream.Stream.of(
                  m.cluster(), m.listener(), m.virtualHost(), m.networkFilter(), m.httpFilter())
              .filter(java.util.Objects::nonNull)
              .count();
      String prefix = p + ".";
      boolean unbound =
          defined == 0
              && c.violations().list().stream().anyMatch(x -> x.field().startsWith(prefix));
      if (unbound) {
        // Its modification did not bind (a problem already reported): it was not absent.
        continue;
      }
      if (defined != 1) {
        c.add(
            p,
            "exactly one modification can be defined at a time. Currently, "
                + defined
                + " modifications are defined");
      } else if (m.cluster() != null) {
        ClusterMod mod = m.cluster();
        resource(
            c,
            p + ".cluster",
            mod.operation(),
            mod.match() != null,
            mod.value(),
            mod.jsonPatches(),
            Cluster::newBuilder);
      } else if (m.listener() != null) {
        ListenerMod mod = m.listener();
        resource(
            c,
            p + ".listener",
            mod.operation(),
            mod.match() != null,
            mod.value(),
            mod.jsonPatches(),
            Listener::newBuilder);
      } else if (m.virtualHost() != null) {
        VirtualHostMod mod = m.virtualHost();
        resource(
            c,
            p + ".virtualHost",
            mod.operation(),
            false,
            mod.value(),
            mod.jsonPatches(),
            VirtualHost::newBuilder);
        if (mod.operation().equals("Add") && mod.match().name() != null) {
          c.add(p + ".virtualHost.match.name", "must not be defined");
        }
      } else if (m.networkFilter() != null) {
        NetworkFilterMod mod = m.networkFilter();
        filter(
            c,
            p + ".networkFilter",
            mod.operation(),
            mod.match() == null ? null : mod.match().name(),
            mod.value(),
            mod.jsonPatches(),
            Filter::newBuilder);
      } else {
        HttpFilterMod mod = m.httpFilter();
        filter(
            c,
            p + ".httpFilter",
            mod.operation(),
            mod.match() == null ? null : mod.match().name(),
            mod.value(),
            mod.jsonPatches(),
            HttpFilter::newBuilder);
      }
    }
  }

  /** A cluster, listener or virtual host modification. */
  private static void resource(
      PolicyChecks c,
      String path,
      String op,
      boolean hasMatch,
      String value,
      List<JsonPatch> patches,
      Supplier<Message.Builder> type) {
    switch (op) {
      case "Add" -> {
        if (hasMatch) {
          c.add(path + ".match", "must not be defined");
        }
        value(c, path + ".value", value, type);
      }
      case "Patch" -> patch(c, path, value, patches, type);
      case "Remove" -> {
        if (value != null) {
          c.add(path + ".value", "must not be defined");
        }
      }
      default -> c.add(path + ".operation", operations(RESOURCE_OPS));
    }
  }

  /** A network filter or HTTP filter modification. */
  private static void filter(
      PolicyChecks c,
      String path,
      String op,
      String matchName,
      String value,
      List<JsonPatch> patches,
      Supplier<Message.Builder> type) {
    switch (op) {
      case "AddFirst", "AddLast" -> value(c, path + ".value", value, type);
      case "AddBefore", "AddAfter" -> {
        if (matchName == null) {
          c.add(
              path + ".match.name",
              "must be defined. You need to pick a filter "
                  + (op.equals("AddBefore") ? "before" : "after")
                  + " which this one will be added");
        }
        value(c, path + ".value", value, type);
      }
      case "Patch" -> {
        if (matchName == null) {
          c.add(path + ".match.name", "must be defined");
        }
        patch(c, path, value, patches, type);
      }
      case "Remove" -> {
        if (value != null) {
          c.add(path + ".value", "must not be defined");
        }
      }
      default -> c.add(path + ".operation", operations(FILTER_OPS));
    }
  }

  private static void value(
      PolicyChecks c, String path, String value, Supplier<Message.Builder> type) {
    if (value == null) {
      c.add(path, "must be defined");
      return;
    }
    try {
      EnvoyJson.merge(value, type.get());
    } catch (IllegalArgumentException e) {
      c.add(path, "native Envoy resource is not valid: " + e.getMessage());
    }
  }

  private static void patch(
      PolicyChecks c,
      String path,
      String value,
      List<JsonPatch> patches,
      Supplier<Message.Builder> type) {
    boolean hasPatches = patches != null && !patches.isEmpty();
    if (value != null && hasPatches) {
      c.add(path, "must have only one type defined: value, jsonPatches");
    } else if (value != null) {
      value(c, path + ".value", value, type);
    } else if (hasPatches) {
      jsonPatches(c, path + ".jsonPatches", patches);
    } else {
      c.add(path, "must have exactly one defined: value, jsonPatches");
    }
  }

  /** Kuma's schema enum of a JSON patch's op (RFC 6902 without {@code test}). */
  private static final Set<String> PATCH_OPS = Set.of("add", "remove", "replace", "move", "copy");

  /**
   * RFC 6902 as Kuma's schema has it: a known op, a JSON pointer path, a value or a from where the
   * op needs one.
   */
  private static void jsonPatches(PolicyChecks c, String path, List<JsonPatch> patches) {
    for (int i = 0; i < patches.size(); i++) {
      String p = path + "[" + i + "]";
      JsonPatch patch = patches.get(i);
      c.oneOf(patch.op(), p + ".op", PATCH_OPS);
      pointer(c, patch.path(), p + ".path");
      switch (patch.op()) {
        case "add", "replace" -> {
          if (patch.value() == null) {
            c.add(p + ".value", "must be defined for op " + patch.op());
          }
        }
        case "move", "copy" -> {
          if (patch.from() == null) {
            c.add(p + ".from", "must be defined for op " + patch.op());
          } else {
            pointer(c, patch.from(), p + ".from");
          }
        }
        default -> {}
      }
    }
  }

  private static void pointer(PolicyChecks c, String pointer, String path) {
    if (!pointer.isEmpty() && !pointer.startsWith("/")) {
      c.add(path, "must be a JSON pointer: empty or starting with '/'");
    }
  }

  private static String operations(List<String> ops) {
    List<String> quoted = new ArrayList<>();
    ops.forEach(o -> quoted.add("\"" + o + "\""));
    return "invalid operation. Available operations: " + String.join(", ", quoted);
  }
}
