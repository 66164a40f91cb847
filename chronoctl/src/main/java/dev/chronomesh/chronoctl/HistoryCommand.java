package dev.chronomesh.chronoctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.flipkart.zjsonpatch.JsonDiff;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code chronoctl history [TYPE NAME]}: who changed what and when, from {@code GET /events} (every
 * page), with each change's spec diff as RFC 6902 JSON Patch operations against the resource's
 * previous version. Filters: {@code --mesh}, {@code --actor}, {@code --since} and {@code --until}
 * (a time, or a duration back from now).
 */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description =
        "Show the changes of a resource (TYPE NAME), or of everything an actor did: when, by whom,"
            + " which request, and the spec diff of each change (JSON Patch against the previous"
            + " version).")
final class HistoryCommand implements Callable<Integer> {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(s|m|h|d)");

  /** Pages read at most: a history longer than this is cut, with a note. */
  static final int MAX_PAGES = 200;

  @ParentCommand Chronoctl root;
  @Mixin ConnectionOptions connection;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "TYPE",
      description = "A resource type (dataplane, mesh, meshtimeout, ...); with NAME.")
  String type;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "Its name.")
  String name;

  @Option(
      names = {"-m", "--mesh"},
      paramLabel = "MESH",
      description = "Only this mesh (default for a mesh-scoped TYPE: default).")
  String mesh;

  @Option(names = "--actor", paramLabel = "ACTOR", description = "Only what this actor did.")
  String actor;

  @Option(
      names = "--since",
      paramLabel = "WHEN",
      description = "Only changes at or after WHEN: an RFC 3339 time or a duration ago (30m, 1h).")
  String since;

  @Option(
      names = "--until",
      paramLabel = "WHEN",
      description = "Only changes before WHEN: an RFC 3339 time or a duration ago.")
  String until;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table, yaml or json (default: ${DEFAULT-VALUE}).")
  GetCommand.Output output;

  @Override
  public Integer call() throws JsonProcessingException {
    if ((type == null) != (name == null) || (type == null && actor == null && since == null)) {
      throw new CliFailure(
          Chronoctl.EXIT_USAGE,
          List.of(
              "Error: give TYPE and NAME (the history of one resource), or --actor and/or"
                  + " --since (what was done), or both"));
    }
    ApiClient api = root.client(connection);
    Map<String, String> query = new LinkedHashMap<>();
    if (type != null) {
      ResourceTypes.Descriptor descriptor = ResourceTypes.fetch(api).byCliName(type);
      query.put("type", descriptor.name());
      query.put("name", name);
      if (descriptor.meshScoped()) {
        query.put("mesh", mesh == null ? "default" : mesh);
      }
    } else if (mesh != null) {
      query.put("mesh", mesh);
    }
    Instant now = root.env.clock().instant();
    put(query, "actor", actor);
    put(query, "since", when("--since", since, now));
    put(query, "until", when("--until", until, now));
    query.put("size", "500");
    List<JsonNode> events = new ArrayList<>();
    String next = "/events?" + encode(query);
    int pages = 0;
    while (next != null && pages < MAX_PAGES) {
      JsonNode page = api.getJson(next);
      page.path("items").forEach(events::add);
      next = page.path("next").isTextual() ? page.path("next").asText() : null;
      pages++;
    }
    ResourceTypes types = ResourceTypes.fetch(api);
    List<Change> changes = changes(events, e -> versionBefore(api, types, e));
    String text =
        switch (output) {
          case table -> render(changes, type == null);
          case yaml -> GetCommand.YAML.writeValueAsString(asJson(changes));
          case json -> JSON.writeValueAsString(asJson(changes)) + "\n";
        };
    root.env.out().print(text);
    if (next != null) {
      root.env.err().println("(cut after " + events.size() + " events; narrow the filters)");
    }
    return Chronoctl.EXIT_OK;
  }

  /** One event with the JSON Patch from the resource's version before it (as far as listed). */
  record Change(JsonNode event, JsonNode diff) {}

  /**
   * Each event with its diff against the resource's version before it: the previous listed event of
   * the same resource when that is the revision before, else (filters left changes out) {@code
   * before} answers it; a first version is diffed against nothing, a delete removes it all.
   */
  static List<Change> changes(
      List<JsonNode> events, java.util.function.Function<JsonNode, JsonNode> before) {
    Map<String, JsonNode> last = new HashMap<>();
    List<Change> out = new ArrayList<>();
    for (JsonNode e : events) {
      String key =
          e.path("resourceType").asText()
              + "\n"
              + e.path("mesh").asText()
              + "\n"
              + e.path("name").asText();
      JsonNode listed = last.get(key);
      long revision = e.path("revision").asLong();
      JsonNode previous;
      if (listed != null && listed.path("revision").asLong() == revision - 1) {
        previous = listed.path("resource");
      } else {
        previous = revision > 1 ? before.apply(e) : NullNode.getInstance();
      }
      JsonNode after = e.path("resource").isObject() ? e.path("resource") : NullNode.getInstance();
      out.add(new Change(e, JsonDiff.asJson(spec(previous), spec(after))));
      last.put(key, e);
    }
    return out;
  }

  /**
   * The resource of event {@code e} as it was just before it ({@code GET <item>?at=<offset − 1>},
   * folded from the log by the server); nothing when it did not exist then.
   */
  private static JsonNode versionBefore(ApiClient api, ResourceTypes types, JsonNode e) {
    ResourceTypes.Descriptor type = types.byKumaName(e.path("resourceType").asText()).orElse(null);
    long offset = e.path("offset").asLong();
    if (type == null || offset == 0) {
      return NullNode.getInstance();
    }
    String item =
        (type.meshScoped() ? "/meshes/" + ApiClient.segment(e.path("mesh").asText()) : "")
            + "/"
            + type.path()
            + "/"
            + ApiClient.segment(e.path("name").asText())
            + "?at="
            + (offset - 1);
    ApiClient.Response r = api.exchange("GET", item, null);
    if (r.status() == 404) {
      return NullNode.getInstance();
    }
    if (r.status() >= 400 || r.json() == null) {
      throw api.failure(r);
    }
    return r.json();
  }

  /** What a change is about: the resource without its bookkeeping (times). */
  private static JsonNode spec(JsonNode resource) {
    if (!resource.isObject()) {
      return JSON.createObjectNode();
    }
    var copy = resource.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("creationTime");
    ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("modificationTime");
    return copy;
  }

  static String render(List<Change> changes, boolean withResource) {
    if (changes.isEmpty()) {
      return "No changes.\n";
    }
    StringBuilder out = new StringBuilder();
    for (Change c : changes) {
      JsonNode e = c.event();
      List<String> headers = new ArrayList<>(List.of("TIME", "ACTOR", "KIND", "REVISION"));
      List<String> row =
          new ArrayList<>(
              List.of(
                  e.path("occurredAt").asText(""),
                  e.path("actor").asText(""),
                  e.path("kind").asText(""),
                  e.path("revision").asText("")));
      if (withResource) {
        headers.addAll(List.of("TYPE", "MESH", "NAME"));
        row.addAll(
            List.of(
                e.path("resourceType").asText(""),
                e.path("mesh").asText(""),
                e.path("name").asText("")));
      }
      headers.add("REQUEST");
      row.add(e.path("requestId").asText(""));
      out.append(Tables.format(headers, List.of(row)));
      for (JsonNode op : c.diff()) {
        out.append("  ")
            .append(op.path("op").asText())
            .append(' ')
            .append(op.path("path").asText());
        if (op.has("value")) {
          out.append(' ').append(op.path("value").toString());
        }
        out.append('\n');
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static ArrayNode asJson(List<Change> changes) {
    ArrayNode out = JSON.createArrayNode();
    for (Change c : changes) {
      var o = ((com.fasterxml.jackson.databind.node.ObjectNode) c.event().deepCopy());
      o.set("diff", c.diff());
      out.add(o);
    }
    return out;
  }

  /** An RFC 3339 time, or a duration ({@code 90s}, {@code 30m}, {@code 1h}, {@code 2d}) ago. */
  static String when(String option, String value, Instant now) {
    if (value == null) {
      return null;
    }
    Matcher m = DURATION.matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
      return now.minus(d).toString();
    }
    try {
      return OffsetDateTime.parse(value).toInstant().toString();
    } catch (DateTimeParseException e) {
      throw new CliFailure(
          Chronoctl.EXIT_USAGE,
          List.of(
              "Error: "
                  + option
                  + " must be an RFC 3339 time (2026-12-07T03:12:00Z) or a duration ago (30m, 1h,"
                  + " 2d), got \""
                  + value
                  + "\""));
    }
  }

  private static void put(Map<String, String> query, String key, String value) {
    if (value != null) {
      query.put(key, value);
    }
  }

  private static String encode(Map<String, String> query) {
    List<String> parts = new ArrayList<>();
    query.forEach((k, v) -> parts.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return String.join("&", parts);
  }
}
