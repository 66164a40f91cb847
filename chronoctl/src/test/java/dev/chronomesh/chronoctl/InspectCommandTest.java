package dev.chronomesh.chronoctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.chronoctl.FakeApiServer.Answer;
import org.junit.jupiter.api.Test;

/** {@code chronoctl inspect dataplane} against a fake API server. */
class InspectCommandTest extends FakeServerCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PATH = "GET /meshes/demo/dataplanes/web-1/_overview";
  private static final String OVERVIEW =
      """
      {"dataplane": {"type": "Dataplane", "mesh": "demo", "name": "web-1",
                     "networking": {"address": "10.0.0.1"}},
       "status": {"connected": true, "gateway": "gw-1", "protocol": "sotw",
                  "connectedAt": "2026-03-01T10:00:00Z", "disconnectedAt": null,
                  "acked": {
                    "type.googleapis.com/envoy.config.cluster.v3.Cluster":
                      {"version": "v1", "at": "2026-03-01T10:00:01Z", "convergenceMillis": 120},
                    "type.googleapis.com/envoy.config.listener.v3.Listener":
                      {"version": "v1", "at": "2026-03-01T10:00:01Z", "convergenceMillis": null}},
                  "lastNack": {"typeUrl": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                               "version": "v2", "error": "bad cluster",
                               "at": "2026-03-01T10:00:02Z"},
                  "projectedVersion": "v2", "inSync": false,
                  "behind": ["type.googleapis.com/envoy.config.cluster.v3.Cluster",
                             "type.googleapis.com/envoy.config.listener.v3.Listener"]}}
      """;

  @Test
  void printsTheSummaryAndTheAcknowledgedVersions() {
    server.answer(PATH, Answer.json(200, OVERVIEW));

    Result r = run("inspect", "dataplane", "web-1", "-m", "demo");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            MESH                demo
            NAME                web-1
            ADDRESS             10.0.0.1
            CONNECTED           yes, to gw-1 (sotw) since 2026-03-01T10:00:00Z
            PROJECTED VERSION   v2
            IN SYNC             no (behind: Cluster, Listener)
            LAST NACK           Cluster v2 at 2026-03-01T10:00:02Z: bad cluster

            TYPE       ACKED VERSION   ACKED AT               CONVERGENCE
            Cluster    v1              2026-03-01T10:00:01Z   120ms
            Listener   v1              2026-03-01T10:00:01Z   -
            """);
  }

  @Test
  void printsJsonAndYaml() throws Exception {
    server.answer(PATH, Answer.json(200, OVERVIEW));

    Result json = run("inspect", "dp", "web-1", "-m", "demo", "-o", "json");
    Result yaml = run("inspect", "dataplanes", "web-1", "--mesh", "demo", "-o", "yaml");

    assertThat(json.code()).as(json.err()).isZero();
    assertThat(JSON.readTree(json.out())).isEqualTo(JSON.readTree(OVERVIEW));
    assertThat(yaml.code()).as(yaml.err()).isZero();
    assertThat(yaml.out()).startsWith("dataplane:\n  type: Dataplane\n").contains("inSync: false");
  }

  @Test
  void aProxyThatNeverConnected() {
    server.answer(
        "GET /meshes/default/dataplanes/db-1/_overview",
        Answer.json(
            200,
            """
            {"dataplane": {"mesh": "default", "name": "db-1"},
             "status": {"connected": false, "acked": {}, "lastNack": null,
                        "projectedVersion": null, "inSync": false, "behind": []}}
            """));

    Result r = run("inspect", "dataplane", "db-1");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("CONNECTED           no\n")
        .contains("LAST NACK           -\n")
        .endsWith("No acknowledged xDS versions.\n");
  }

  @Test
  void aClientTheGatewayRefusedShowsWhatToChange() {
    server.answer(
        "GET /meshes/default/dataplanes/web-2/_overview",
        Answer.json(
            200,
            """
            {"dataplane": {"mesh": "default", "name": "web-2"},
             "status": {"connected": false, "acked": {}, "lastNack": null,
                        "lastRefusal": {"gateway": "gw-1", "at": "2026-03-01T10:00:03Z",
                                        "error": "add the label chronomesh.io/proxy-type"},
                        "projectedVersion": "v1", "inSync": false, "behind": []}}
            """));

    Result r = run("inspect", "dataplane", "web-2");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            "LAST REFUSAL        at 2026-03-01T10:00:03Z: add the label"
                + " chronomesh.io/proxy-type\n");
  }

  @Test
  void anUnknownDataplaneIsRefusedAndAnotherTypeIsAUsageError() {
    Result missing = run("inspect", "dataplane", "nope", "-m", "demo");
    assertThat(missing.code()).isEqualTo(Chronoctl.EXIT_REFUSED);
    assertThat(missing.err()).contains("Error");

    int calls = server.calls().size();
    Result wrongType = run("inspect", "mesh", "default");
    assertThat(wrongType.code()).isEqualTo(Chronoctl.EXIT_USAGE);
    assertThat(wrongType.err()).contains("only dataplane");
    assertThat(server.calls()).hasSize(calls);
  }
}
