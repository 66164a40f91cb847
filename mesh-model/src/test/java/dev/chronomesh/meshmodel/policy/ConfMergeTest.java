package dev.chronomesh.meshmodel.policy;

import static dev.chronomesh.meshmodel.policy.Fixtures.conf;
import static dev.chronomesh.meshmodel.policy.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfMergeTest {

  private final ConfMerge merge = new ConfMerge(Set.of("backends", "http.requestHeaders"));

  @Test
  void mergesNestedObjectsAndReplacesScalars() {
    var result =
        merge.merge(
            List.of(
                conf("http:\n  requestTimeout: 15s\n  maxStreamDuration: 0s\nidleTimeout: 1h"),
                conf("http:\n  requestTimeout: 2s")));
    assertThat(json(result))
        .isEqualTo(
            "{\"http\":{\"maxStreamDuration\":\"0s\",\"requestTimeout\":\"2s\"},\"idleTimeout\":\"1h\"}");
  }

  @Test
  void replacesListsByDefault() {
    // MADR 016's example: elements [a] then [b] gives [b]
    var result = merge.merge(List.of(conf("elements: [a]"), conf("elements: [b]")));
    assertThat(json(result)).isEqualTo("{\"elements\":[\"b\"]}");
  }

  @Test
  void appendsListsNamedAppendOrListedByTheCaller() {
    var result =
        merge.merge(
            List.of(
                conf("appendModifications: [m1]\nbackends: [b1]\nhttp:\n  requestHeaders: [h1]"),
                conf("appendModifications: [m2]\nbackends: [b2]\nhttp:\n  requestHeaders: [h2]"),
                conf("backends: [b3]")));
    assertThat(json(result))
        .isEqualTo(
            "{\"appendModifications\":[\"m1\",\"m2\"],\"backends\":[\"b1\",\"b2\",\"b3\"],"
                + "\"http\":{\"requestHeaders\":[\"h1\",\"h2\"]}}");
  }

  @Test
  void nullDeletesAFieldAndNullsInsideNewValuesArePruned() {
    var result =
        merge.merge(
            List.of(
                conf("idleTimeout: 1h\nhttp:\n  requestTimeout: 1s\n  streamIdleTimeout: 1m"),
                conf("idleTimeout: null\nhttp:\n  requestTimeout: null\ntcp:\n  a: 1\n  b: null")));
    assertThat(json(result))
        .isEqualTo("{\"http\":{\"streamIdleTimeout\":\"1m\"},\"tcp\":{\"a\":1}}");
  }

  @Test
  void anObjectReplacesAScalarAndAScalarReplacesAnObject() {
    var result = merge.merge(List.of(conf("a: 1\nb:\n  c: 1"), conf("a:\n  x: 2\nb: plain")));
    assertThat(json(result)).isEqualTo("{\"a\":{\"x\":2},\"b\":\"plain\"}");
  }

  @Test
  void doesNotMutateItsInputsAndSortsKeys() {
    var first = conf("z: 1\nappendX: [1]\nm:\n  y: 1\n  b: 2");
    var second = conf("appendX: [2]\nm:\n  a: 0");
    var before = json(first);
    var result = merge.merge(List.of(first, second));
    assertThat(json(first)).isEqualTo(before);
    assertThat(json(result))
        .isEqualTo("{\"appendX\":[1,2],\"m\":{\"a\":0,\"b\":2,\"y\":1},\"z\":1}");
    assertThat(json(merge.merge(List.of()))).isEqualTo("{}");
  }

  @Test
  void nullDoesNotClearAnAppendedListAsInKuma() {
    var result =
        merge.merge(
            List.of(
                conf("appendRules: [r1]"), conf("appendRules: null"), conf("appendRules: [r2]")));
    assertThat(json(result)).isEqualTo("{\"appendRules\":[\"r1\",\"r2\"]}");
  }

  @Test
  void mergesListEntriesByKeyLikeKumaRouteRules() {
    // given MeshHTTPRoute-style rules keyed by "matches" (policyMerge:"mergeValuesByKey")
    var byKey = new ConfMerge(Set.of(), java.util.Map.of("rules", "matches"));
    var low =
        conf(
            """
            rules:
            - matches: [{path: {type: PathPrefix, value: /v1}}]
              default: {backendRefs: [{name: a}], filters: [f1]}
            - matches: [{path: {type: PathPrefix, value: /v2}}]
              default: {backendRefs: [{name: b}]}
            """);
    var high =
        conf(
            """
            rules:
            - matches: [{path: {value: /v1, type: PathPrefix}}]
              default: {backendRefs: [{name: c}]}
            """);
    // when
    var result = byKey.merge(List.of(low, high));
    // then /v1's defaults merge (lists inside replaced) and /v1 moves to its last appearance
    assertThat(json(result))
        .isEqualTo(
            "{\"rules\":["
                + "{\"default\":{\"backendRefs\":[{\"name\":\"b\"}]},"
                + "\"matches\":[{\"path\":{\"type\":\"PathPrefix\",\"value\":\"/v2\"}}]},"
                + "{\"default\":{\"backendRefs\":[{\"name\":\"c\"}],\"filters\":[\"f1\"]},"
                + "\"matches\":[{\"path\":{\"type\":\"PathPrefix\",\"value\":\"/v1\"}}]}]}");
  }
}
