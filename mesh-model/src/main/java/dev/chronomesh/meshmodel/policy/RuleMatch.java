package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violations;
import dev.chronomesh.meshmodel.policy.JsonBinding.Doc;
import dev.chronomesh.meshmodel.policy.JsonBinding.Required;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * One of a {@code rules[]} entry's {@code matches} (Kuma's {@code common_api.Match}): the caller
 * whose certificate carries a SPIFFE ID ({@code Exact} or {@code Prefix}), and/or the connections
 * whose TLS SNI is a name ({@code Exact}); both when both are given. An entry with matches applies
 * to the traffic any of them selects; one without, to all traffic.
 */
public record RuleMatch(
    @Doc("the caller's SPIFFE ID (its certificate's URI SAN)") ValueMatch spiffeID,
    @Doc("the SNI of the TLS connection") ValueMatch sni) {
  public static final String EXACT = "Exact";
  public static final String PREFIX = "Prefix";

  /**
   * Kuma's order of inbound rules by their match (its {@code inbound.SortRules}): a SPIFFE ID
   * before none, Exact before Prefix; then an SNI before none.
   */
  public static final Comparator<RuleMatch> SPECIFIC_FIRST =
      Comparator.comparingInt(RuleMatch::spiffeRank).thenComparingInt(m -> m.sni() == null ? 1 : 0);

  /** A {@code type} and a {@code value} to match with it. */
  public record ValueMatch(@Required String type, @Required String value) {}

  private int spiffeRank() {
    if (spiffeID == null) {
      return 3;
    }
    return EXACT.equals(spiffeID.type()) ? 0 : 1;
  }

  /**
   * The matches of a rule at {@code path} ({@code spec.rules[i].matches}), with Kuma's checks (its
   * schema's enums, {@code ValidateMatch}, and the "at least one of" its MeshTimeout and
   * MeshRateLimit validators add: an empty match would match nothing Envoy can express); empty when
   * absent.
   */
  public static List<RuleMatch> read(JsonNode node, String path, Violations v) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      v.add(path, "must be an array");
      return List.of();
    }
    List<RuleMatch> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String at = path + "[" + i + "]";
      int before = v.size();
      RuleMatch match = JsonBinding.read(RuleMatch.class, node.get(i), at, v);
      if (match == null || v.size() != before) {
        continue;
      }
      if (match.spiffeID() == null && match.sni() == null) {
        v.add(at, "must specify at least one of 'spiffeID' or 'sni'");
        continue;
      }
      PolicyChecks c = new PolicyChecks(v);
      if (match.spiffeID() != null) {
        c.oneOf(match.spiffeID().type(), at + ".spiffeID.type", Set.of(EXACT, PREFIX));
        String problem = SpiffeIds.problem(match.spiffeID().value());
        if (problem != null) {
          v.add(at + ".spiffeID", "must be a valid Spiffe ID: " + problem);
        }
      }
      if (match.sni() != null) {
        if (!EXACT.equals(match.sni().type())) {
          v.add(
              at + ".sni.type",
              "unrecognized type \"" + match.sni().type() + "\", supported values are: Exact");
        }
        DnsNames.subdomainProblems(match.sni().value())
            .forEach(problem -> v.add(at + ".sni.value", problem));
      }
      if (v.size() == before) {
        out.add(match);
      }
    }
    return List.copyOf(out);
  }

  /** The JSON form, as read. */
  public ObjectNode toJson() {
    return (ObjectNode) JsonBinding.write(this);
  }
}
