package dev.chronomesh.projector.generate.policy;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.Matcher.MatcherList.FieldMatcher;
import com.github.xds.type.matcher.v3.Matcher.MatcherList.Predicate;
import com.github.xds.type.matcher.v3.Matcher.MatcherList.Predicate.PredicateList;
import com.github.xds.type.matcher.v3.Matcher.MatcherList.Predicate.SinglePredicate;
import com.github.xds.type.matcher.v3.StringMatcher;
import com.google.protobuf.Descriptors.Descriptor;
import dev.chronomesh.meshmodel.policy.RuleMatch;
import io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher;
import io.envoyproxy.envoy.extensions.filters.common.matcher.action.v3.SkipFilter;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.ServerNameInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.ssl.v3.UriSanInput;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's generic matchers for a policy rule's {@code matches} ({@link RuleMatch}), as Kuma builds
 * them ({@code pkg/envoy/builders/xds/matchers}): the caller's certificate URI SAN ({@code
 * envoy.matching.inputs.uri_san}) for a SPIFFE ID, exact or by prefix, and the connection's SNI
 * ({@code envoy.matching.inputs.server_name}), exactly; both when a match has both.
 */
public final class CallerMatchers {
  private CallerMatchers() {}

  /**
   * {@code filter} wrapped so that Envoy skips it for the requests {@code match} does not select
   * (Kuma's {@code NotMatches} with the {@code SkipFilter} action).
   */
  public static ExtensionWithMatcher skipUnless(
      RuleMatch match, io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig filter) {
    Predicate notMatched = Predicate.newBuilder().setNotMatcher(predicate(match)).build();
    FieldMatcher skip =
        FieldMatcher.newBuilder()
            .setPredicate(notMatched)
            .setOnMatch(
                Matcher.OnMatch.newBuilder()
                    .setAction(
                        TypedExtensionConfig.newBuilder()
                            .setName("skip")
                            .setTypedConfig(EnvoyValues.pack(SkipFilter.getDefaultInstance()))))
            .build();
    return ExtensionWithMatcher.newBuilder()
        .setXdsMatcher(
            Matcher.newBuilder().setMatcherList(Matcher.MatcherList.newBuilder().addMatchers(skip)))
        .setExtensionConfig(filter)
        .build();
  }

  /**
   * Whether {@code match} selects a caller whose certificate has {@code uris} (its URI SANs joined
   * by commas, as Envoy's {@code uri_san} input gives them; empty without a certificate) when the
   * caller itself applies the policy: an SNI is never known there, so a match with one does not.
   */
  public static boolean selects(RuleMatch match, String uris) {
    if (match.sni() != null || match.spiffeID() == null || uris.isEmpty()) {
      return false;
    }
    return RuleMatch.PREFIX.equals(match.spiffeID().type())
        ? uris.startsWith(match.spiffeID().value())
        : uris.equals(match.spiffeID().value());
  }

  /** What {@link #skipUnless} packs, for printing configs. */
  public static List<Descriptor> typedConfigs() {
    return List.of(
        ExtensionWithMatcher.getDescriptor(),
        SkipFilter.getDescriptor(),
        UriSanInput.getDescriptor(),
        ServerNameInput.getDescriptor());
  }

  /** The predicate of one match: each of its parts, all of them when there are two. */
  static Predicate predicate(RuleMatch match) {
    List<Predicate> parts = new ArrayList<>();
    if (match.spiffeID() != null) {
      StringMatcher.Builder id = StringMatcher.newBuilder();
      if (RuleMatch.PREFIX.equals(match.spiffeID().type())) {
        id.setPrefix(match.spiffeID().value());
      } else {
        id.setExact(match.spiffeID().value());
      }
      parts.add(single("envoy.matching.inputs.uri_san", UriSanInput.getDefaultInstance(), id));
    }
    if (match.sni() != null) {
      parts.add(
          single(
              "envoy.matching.inputs.server_name",
              ServerNameInput.getDefaultInstance(),
              StringMatcher.newBuilder().setExact(match.sni().value())));
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return Predicate.newBuilder()
        .setAndMatcher(PredicateList.newBuilder().addAllPredicate(parts))
        .build();
  }

  private static Predicate single(
      String input, com.google.protobuf.Message config, StringMatcher.Builder value) {
    return Predicate.newBuilder()
        .setSinglePredicate(
            SinglePredicate.newBuilder()
                .setInput(
                    TypedExtensionConfig.newBuilder()
                        .setName(input)
                        .setTypedConfig(EnvoyValues.pack(config)))
                .setValueMatch(value))
        .build();
  }
}
