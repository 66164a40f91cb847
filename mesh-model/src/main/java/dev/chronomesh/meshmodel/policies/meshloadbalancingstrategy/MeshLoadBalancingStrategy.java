package dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.JsonBinding.NotSupportedYet;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
import dev.chronomesh.meshmodel.policy.Scopes;
import dev.chronomesh.meshmodel.policy.TargetRef;
import dev.chronomesh.meshmodel.policy.TypedSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kuma's MeshLoadBalancingStrategy ({@code pkg/plugins/policies/meshloadbalancingstrategy}): the
 * load balancer of outbound clusters ({@code to}) and its hash policies. See {@code
 * docs/policies/meshloadbalancingstrategy.md}.
 */
public final class MeshLoadBalancingStrategy {
  public static final PolicyType<Conf> TYPE =
      PolicyType.builder("MeshLoadBalancingStrategy", Conf.class)
          .plural("meshloadbalancingstrategies")
          .displayNames("Mesh Load Balancing Strategy", "Mesh Load Balancing Strategies")
          .summary("The load balancer of outbound clusters and its hash policies.")
          .order(400)
          .sections(Section.TO)
          .toKinds(TargetRef.Kind.MESH, TargetRef.Kind.MESH_SERVICE, TargetRef.Kind.MESH_HTTP_ROUTE)
          .validator(MeshLoadBalancingStrategy::validate)
          .build();

  /** Kuma 2.14's hash policy types (its older {@code SourceIP} is refused, as Kuma does). */
  private static final Set<String> HASH_TYPES =
      Set.of("Header", "Cookie", "Connection", "QueryParameter", "FilterState");

  /** Kuma's schema bound of ring sizes. */
  public static final int MAX_RING_SIZE = 8_000_000;

  private MeshLoadBalancingStrategy() {}

  /** A MeshLoadBalancingStrategy {@code default}. */
  public record Conf(
      LocalityAwareness localityAwareness,
      LoadBalancer loadBalancer,
      List<HashPolicy> hashPolicies) {}

  /** Locality awareness; {@code crossZone} needs zones, which Chronomesh does not have yet. */
  @NotSupportedYet(
      value = {"crossZone"},
      reason = "Chronomesh has a single zone, so there is no zone to fail over to")
  public record LocalityAwareness(Boolean disabled, LocalZone localZone) {}

  /** Priorities between the local zone's endpoints by the tags they share with the proxy. */
  public record LocalZone(List<AffinityTag> affinityTags) {}

  public record AffinityTag(@Required String key, Integer weight) {}

  public record LoadBalancer(
      @Required String type,
      Empty roundRobin,
      LeastRequest leastRequest,
      RingHash ringHash,
      Empty random,
      Maglev maglev) {}

  /** A load balancer section without settings ({@code roundRobin}, {@code random}). */
  public record Empty() {}

  public record LeastRequest(Integer choiceCount, IntOrString activeRequestBias) {}

  public record RingHash(
      String hashFunction,
      Integer minRingSize,
      Integer maxRingSize,
      List<HashPolicy> hashPolicies) {}

  public record Maglev(Integer tableSize, List<HashPolicy> hashPolicies) {}

  /** One hash policy: type Header, Cookie, Connection, SourceIP, QueryParameter or FilterState. */
  public record HashPolicy(
      @Required String type,
      Boolean terminal,
      Header header,
      Cookie cookie,
      Connection connection,
      QueryParameter queryParameter,
      FilterState filterState) {}

  public record Header(@Required String name) {}

  public record Cookie(@Required String name, GoDuration ttl, String path) {}

  public record Connection(Boolean sourceIP) {}

  public record QueryParameter(@Required String name) {}

  public record FilterState(@Required String key) {}

  private static void validate(TypedSpec<Conf> spec, Violations violations) {
    PolicyChecks c = new PolicyChecks(violations);
    Scopes.gatewayToMeshOnly(spec, c, conf -> conf.loadBalancer() != null);
    for (TypedSpec.Item<Conf> item : spec.to()) {
      String path = item.confPath(false);
      hashPolicies(c, item.conf().hashPolicies(), path);
      if (item.targetRef() != null && item.targetRef().kind() == TargetRef.Kind.MESH_HTTP_ROUTE) {
        // Kuma: a route has its hash policies; its balancer and locality are the cluster's.
        String only =
            "field is not allowed when targetRef.kind is MeshHTTPRoute, only hashPolicies is"
                + " supported";
        if (item.conf().loadBalancer() != null) c.add(path + ".loadBalancer", only);
        if (item.conf().localityAwareness() != null) c.add(path + ".localityAwareness", only);
        continue;
      }
      localityAwareness(c, item.conf().localityAwareness(), path + ".localityAwareness");
      LoadBalancer lb = item.conf().loadBalancer();
      if (lb == null) {
        continue;
      }
      String p = path + ".loadBalancer";
      String type = lb.type();
      c.oneOf(
          type, p + ".type", Set.of("RoundRobin", "LeastRequest", "RingHash", "Random", "Maglev"));
      only(c, lb.leastRequest(), "leastRequest", "LeastRequest", type, p);
      only(c, lb.ringHash(), "ringHash", "RingHash", type, p);
      only(c, lb.maglev(), "maglev", "Maglev", type, p);
      only(c, lb.roundRobin(), "roundRobin", "RoundRobin", type, p);
      only(c, lb.random(), "random", "Random", type, p);
      LeastRequest lr = lb.leastRequest();
      if (lr != null) {
        c.range(lr.choiceCount(), p + ".leastRequest.choiceCount", 2, Integer.MAX_VALUE);
        c.decimal(lr.activeRequestBias(), p + ".leastRequest.activeRequestBias", null);
      }
      RingHash rh = lb.ringHash();
      if (rh != null) {
        String q = p + ".ringHash";
        c.oneOf(rh.hashFunction(), q + ".hashFunction", Set.of("XXHash", "MurmurHash2"));
        c.range(rh.minRingSize(), q + ".minRingSize", 1, MAX_RING_SIZE);
        c.range(rh.maxRingSize(), q + ".maxRingSize", 1, MAX_RING_SIZE);
        if (rh.minRingSize() != null
            && rh.maxRingSize() != null
            && rh.minRingSize() > rh.maxRingSize()) {
          c.add(q + ".minRingSize", "must not be greater than maxRingSize");
        }
        hashPolicies(c, rh.hashPolicies(), q);
      }
      Maglev mg = lb.maglev();
      if (mg != null) {
        c.range(mg.tableSize(), p + ".maglev.tableSize", 1, 5_000_011);
        hashPolicies(c, mg.hashPolicies(), p + ".maglev");
      }
    }
  }

  private static void only(
      PolicyChecks c, Object section, String field, String wanted, String type, String path) {
    if (section != null && type != null && !type.equals(wanted)) {
      c.add(path + "." + field, "must only be set with type " + wanted);
    }
  }

  private static void hashPolicies(PolicyChecks c, List<HashPolicy> policies, String path) {
    if (policies == null) {
      return;
    }
    for (int i = 0; i < policies.size(); i++) {
      String p = path + ".hashPolicies[" + i + "]";
      HashPolicy hp = policies.get(i);
      c.oneOf(hp.type(), p + ".type", HASH_TYPES);
      String wanted =
          switch (hp.type()) {
            case "Header" -> "header";
            case "Cookie" -> "cookie";
            case "Connection" -> "connection";
            case "QueryParameter" -> "queryParameter";
            case "FilterState" -> "filterState";
            default -> null;
          };
      Map<String, Object> given = new java.util.LinkedHashMap<>();
      given.put("header", hp.header());
      given.put("cookie", hp.cookie());
      given.put("connection", hp.connection());
      given.put("queryParameter", hp.queryParameter());
      given.put("filterState", hp.filterState());
      given.forEach(
          (sub, value) -> {
            if (value != null && !sub.equals(wanted)) {
              // wanted is null for an unknown type: every sub-section is then out of place
              c.add(p + "." + sub, "must not be set with type " + hp.type());
            }
          });
      if (wanted != null && given.get(wanted) == null) {
        c.add(p + "." + wanted, "must be set with type " + hp.type());
      }
      nonEmpty(c, hp.header() == null ? null : hp.header().name(), p + ".header.name");
      nonEmpty(
          c,
          hp.queryParameter() == null ? null : hp.queryParameter().name(),
          p + ".queryParameter.name");
      nonEmpty(c, hp.filterState() == null ? null : hp.filterState().key(), p + ".filterState.key");
      Cookie cookie = hp.cookie();
      if (cookie != null) {
        nonEmpty(c, cookie.name(), p + ".cookie.name");
        if (cookie.path() != null && !cookie.path().startsWith("/")) {
          c.add(p + ".cookie.path", "must be an absolute path");
        }
      }
    }
  }

  /** A required string Kuma's schema gives minLength 1. */
  private static void nonEmpty(PolicyChecks c, String value, String path) {
    if (value != null && value.isEmpty()) {
      c.add(path, "must not be empty");
    }
  }

  private static void localityAwareness(PolicyChecks c, LocalityAwareness locality, String path) {
    if (locality == null || locality.localZone() == null) {
      return;
    }
    String p = path + ".localZone.affinityTags";
    List<AffinityTag> tags =
        locality.localZone().affinityTags() == null
            ? List.of()
            : locality.localZone().affinityTags();
    int weighted = 0;
    for (int i = 0; i < tags.size(); i++) {
      AffinityTag tag = tags.get(i);
      if (tag.key().isEmpty()) {
        c.add(p + "[" + i + "].key", "must not be empty");
      }
      if (tag.weight() != null) {
        weighted++;
        c.range(tag.weight(), p + "[" + i + "].weight", 1, Integer.MAX_VALUE);
      }
    }
    if (weighted > 0 && weighted != tags.size()) {
      c.add(p, "all or none affinity tags should have weight");
    }
  }
}
