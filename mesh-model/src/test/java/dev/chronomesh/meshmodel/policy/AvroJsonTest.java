package dev.chronomesh.meshmodel.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.CircuitBreakerSuccessRate;
import dev.chronomesh.events.avro.MeshHTTPRouteSpec;
import dev.chronomesh.events.avro.MeshRetrySpec;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.Violations;
import org.junit.jupiter.api.Test;

class AvroJsonTest {

  @Test
  void roundTripsLeavingNullsOut() {
    var json =
        Fixtures.conf(
            """
            targetRef: {kind: MeshService, name: web}
            to:
              - targetRef: {kind: Mesh}
                default:
                  http: {numRetries: 3, retryOn: [5XX, "503"], backOff: {baseInterval: 1s}}
            """);
    Violations v = new Violations();
    Object record = AvroJson.fromJson(json, MeshRetrySpec.getClassSchema(), "spec", v);
    assertThat(v.list()).isEmpty();
    MeshRetrySpec spec = (MeshRetrySpec) record;
    assertThat(spec.getTo().get(0).getDefault$().getHttp().getNumRetries()).isEqualTo(3);
    assertThat(spec.getTo().get(0).getDefault$().getTcp()).isNull();
    assertThat(AvroJson.toJson(record, MeshRetrySpec.getClassSchema())).isEqualTo(json);
  }

  @Test
  void unionOfStringAndIntPicksTheBranchByJsonType() {
    Violations v = new Violations();
    var asInt =
        (CircuitBreakerSuccessRate)
            AvroJson.fromJson(
                Fixtures.conf("standardDeviationFactor: 2"),
                CircuitBreakerSuccessRate.getClassSchema(),
                "x",
                v);
    var asString =
        (CircuitBreakerSuccessRate)
            AvroJson.fromJson(
                Fixtures.conf("standardDeviationFactor: '1.9'"),
                CircuitBreakerSuccessRate.getClassSchema(),
                "x",
                v);
    AvroJson.fromJson(
        Fixtures.conf("standardDeviationFactor: true"),
        CircuitBreakerSuccessRate.getClassSchema(),
        "x",
        v);
    assertThat(asInt.getStandardDeviationFactor()).isEqualTo(2);
    assertThat(asString.getStandardDeviationFactor()).isEqualTo("1.9");
    assertThat(v.list())
        .containsExactly(
            new Violation("x.standardDeviationFactor", "must be a string or an integer"));
  }

  @Test
  void reportsUnknownWrongTypedAndMissingFieldsWithPaths() {
    Violations v = new Violations();
    Object record =
        AvroJson.fromJson(
            Fixtures.conf(
                """
                to:
                  - targetRef: {kind: MeshService, name: 1, extra: x}
                    hostnames: a
                    rules:
                      - default: {backendRefs: [{kind: MeshService, weight: "1"}]}
                """),
            MeshHTTPRouteSpec.getClassSchema(),
            "spec",
            v);
    assertThat(record).isNull();
    assertThat(v.list())
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "spec.to[0].targetRef.extra",
            "spec.to[0].targetRef.name",
            "spec.to[0].hostnames",
            "spec.to[0].rules[0].matches",
            "spec.to[0].rules[0].default.backendRefs[0].weight");
  }
}
