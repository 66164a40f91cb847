package dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy;

import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.meshmodel.policy.IntOrString;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import dev.chronomesh.meshmodel.policy.PolicyChecks;
import dev.chronomesh.meshmodel.policy.PolicyType;
import dev.chronomesh.meshmodel.policy.PolicyType.Section;
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
          .validator(MeshLoadBalancingStrategy::validate)
          .build();

  private static final Set<String> HASH_TYPES =
      Set.of("Header", "Cookie", "Connection", "SourceIP", "QueryParameter", "FilterState");

  private MeshLoadBalancingStrategy() {}

  /** A MeshLoadBalancingStrategy {@code default}. */
  public record Conf(LocalityAwareness localityAwareness, LoadBalancer loadBalancer) {}

  public record LocalityAwareness(Boolean disabled) {}

  public record LoadBalancer(
      @Required String type, LeastRequest leastRequest, RingHash ringHash, Maglev maglev) {}

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
    for (TypedSpec.Item<Conf> item : spec.to()) {
      LoadBalancer lb = item.conf().loadBalancer();
      if (lb == null) {
        continue;
      }
      String p = item.confPath(false) + ".loadBalancer";
      String type = lb.type();
      c.oneOf(
          type, p + ".type", Set.of("RoundRobin", "LeastRequest", "RingHash", "Random", "Maglev"));
      only(c, lb.leastRequest(), "leastRequest", "LeastRequest", type, p);
      only(c, lb.ringHash(), "ringHash", "RingHash", type, p);
      only(c, lb.maglev(), "maglev", "Maglev", type, p);
      LeastRequest lr = lb.leastRequest();
      if (lr != null) {
        c.range(lr.choiceCount(), p + ".leastRequest.choiceCount", 2, Integer.MAX_VALUE);
        c.decimal(lr.activeRequestBias(), p + ".leastRequest.activeRequestBias", null);
      }
      RingHash rh = lb.ringHash();
      if (rh != null) {
        String q = p + ".ringHash";
        c.oneOf(rh.hashFunction(), q + ".hashFunction", Set.of("XXHash", "MurmurHash2"));
        c.range(rh.minRingSize(), q + ".minRingSize", 1, 8_388_608);
        c.range(rh.maxRingSize(), q + ".maxRingSize", 1, 8_388_608);
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
            case "Connection", "SourceIP" -> "connection";
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
      if (wanted != null && !"connection".equals(wanted) && given.get(wanted) == null) {
        c.add(p + "." + wanted, "must be set with type " + hp.type());
      }
    }
  }
}
