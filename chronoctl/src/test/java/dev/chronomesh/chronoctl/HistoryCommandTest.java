package dev.chronomesh.chronoctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chronomesh.chronoctl.FakeApiServer.Answer;
import org.junit.jupiter.api.Test;

/** {@code chronoctl history} against a fake API server answering {@code GET /events} pages. */
class HistoryCommandTest extends FakeServerCliTest {
  private static final String EVENT =
      """
      {"eventId": "e%1$s", "mesh": "demo", "resourceType": "Dataplane", "name": "web-1",
       "revision": %1$s, "occurredAt": "2026-03-01T10:0%1$s:00Z", "actor": "%2$s",
       "requestId": "req-%1$s", "kind": "%3$s", "partition": 1, "offset": %1$s,
       "resource": %4$s}
      """;

  private static String dp(int port) {
    return """
        {"type": "Dataplane", "mesh": "demo", "name": "web-1",
         "creationTime": "2026-03-01T10:01:00Z", "modificationTime": "2026-03-01T10:0%d:00Z",
         "networking": {"address": "10.0.0.1", "inbound": [{"port": %d}]}}"""
        .formatted(port == 8080 ? 1 : 2, port);
  }

  @Test
  void followsEveryPageAndShowsEachChangesSpecDiff() {
    server.answer(
        "GET /events?type=Dataplane&name=web-1&mesh=demo&size=500",
        Answer.json(
            200,
            "{\"items\": ["
                + EVENT.formatted(1, "alice", "UPSERTED", dp(8080))
                + "], \"next\": \""
                + server.url()
                + "/events?type=Dataplane&cursor=1-2&size=500\"}"));
    server.answer(
        "GET /events?type=Dataplane&cursor=1-2&size=500",
        Answer.json(
            200,
            "{\"items\": ["
                + EVENT.formatted(2, "bob", "UPSERTED", dp(9090))
                + ","
                + EVENT.formatted(3, "bob", "DELETED", "null")
                + "], \"next\": null}"));

    Result r = run("history", "dataplane", "web-1", "-m", "demo");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            TIME                   ACTOR   KIND       REVISION   REQUEST
            2026-03-01T10:01:00Z   alice   UPSERTED   1          req-1
              add /type "Dataplane"
              add /mesh "demo"
              add /name "web-1"
              add /networking {"address":"10.0.0.1","inbound":[{"port":8080}]}

            TIME                   ACTOR   KIND       REVISION   REQUEST
            2026-03-01T10:02:00Z   bob     UPSERTED   2          req-2
              replace /networking/inbound/0/port 9090

            TIME                   ACTOR   KIND      REVISION   REQUEST
            2026-03-01T10:03:00Z   bob     DELETED   3          req-3
              remove /type
              remove /mesh
              remove /name
              remove /networking

            """);
  }

  @Test
  void listsWhatAnActorDidSinceADurationAgo() throws Exception {
    server.answer(
        "GET /events?actor=bob&since=2026-03-01T10%3A00%3A00Z&size=500",
        Answer.json(
            200,
            "{\"items\": ["
                + EVENT.formatted(2, "bob", "UPSERTED", dp(9090))
                + "], \"next\": null}"));

    // alice's revision 1 is not listed: the version before bob's comes from ?at=.
    server.answer("GET /meshes/demo/dataplanes/web-1?at=1", Answer.json(200, dp(8080)));

    Result r = run("history", "--actor", "bob", "--since", "1h", "-o", "json");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("\"actor\" : \"bob\"");
    JsonNode diff = new ObjectMapper().readTree(r.out()).get(0).get("diff");
    assertThat(diff).hasSize(1);
    assertThat(diff.get(0).get("op").asText()).isEqualTo("replace");
    assertThat(diff.get(0).get("path").asText()).isEqualTo("/networking/inbound/0/port");
  }

  @Test
  void refusesAnAmbiguousOrUnboundedRequest() {
    assertThat(run("history").code()).isEqualTo(Chronoctl.EXIT_USAGE);
    assertThat(run("history", "dataplane").code()).isEqualTo(Chronoctl.EXIT_USAGE);
    Result bad = run("history", "--actor", "bob", "--since", "yesterday");
    assertThat(bad.code()).isEqualTo(Chronoctl.EXIT_USAGE);
    assertThat(bad.err()).contains("--since must be an RFC 3339 time");
  }
}
