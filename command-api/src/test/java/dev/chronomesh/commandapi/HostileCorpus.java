package dev.chronomesh.commandapi;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.Sealer;
import dev.chronomesh.meshmodel.ValidationException;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Generates malformed and hostile HTTP requests from one seed: mutated Kuma documents, syntax
 * bombs, oversized bodies, wrong content types and methods, hostile names in paths. Every write it
 * produces is invalid (checked against mesh-model before it is kept) or aimed at a mesh that does
 * not exist, so none may append an event.
 */
final class HostileCorpus {
  /** One request: method, path (already percent-encoded), content type (null: none), body. */
  record Request(String kind, String method, String path, String contentType, byte[] body) {
    @Override
    public String toString() {
      String shown = body == null ? "" : new String(body, 0, Math.min(body.length, 200), UTF_8);
      return kind
          + " "
          + method
          + " "
          + path
          + " ["
          + contentType
          + ", "
          + (body == null ? 0 : body.length)
          + " bytes] "
          + shown.replaceAll("\\s+", " ");
    }
  }

  /** The mesh created before the corpus runs, so dataplane and secret checks go deep. */
  static final String MESH = "default";

  /** Writers that allow the deep trees the corpus builds (Jackson stops at 1,000 by default). */
  private static final ObjectMapper JSON =
      new ObjectMapper(
          com.fasterxml.jackson.core.JsonFactory.builder()
              .streamWriteConstraints(
                  com.fasterxml.jackson.core.StreamWriteConstraints.builder()
                      .maxNestingDepth(100_000)
                      .build())
              .build());

  private static final YAMLMapper YAML =
      new YAMLMapper(
          com.fasterxml.jackson.dataformat.yaml.YAMLFactory.builder()
              .streamWriteConstraints(
                  com.fasterxml.jackson.core.StreamWriteConstraints.builder()
                      .maxNestingDepth(100_000)
                      .build())
              .build());
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static final String[] ODD_STRINGS = {
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\u202eevil\u202c",
    "\ud83d\ude00",
    "\ud800",
    "\udfff",
    "x\ud800y",
    "\ufeff",
    "\u200b",
    "../../etc/passwd",
    "..%2F..%2F",
    "a/b",
    "a b",
    "%00",
    "${jndi:ldap://127.0.0.1/x}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\r\nX-Injected: 1",
    "Ⅻ",
    "ＡＢＣ",
    "ß",
    "İ",
    "-",
    ".",
    "..",
    "UPPER",
  };

  private static final String[] BAD_LABEL_KEYS = {
    "",
    "/",
    "a/",
    "/a",
    "-a",
    "a-",
    "a..b/c",
    "UPPER.example/x",
    "a/b/c",
    "kuma.io/",
    "a b",
    "x".repeat(64),
    "p".repeat(254) + "/x",
    "\u0000",
    "é",
    "kuma.io/mesh/extra"
  };

  private final Random random;
  private final Sealer sealer;
  private int validSkipped;

  HostileCorpus(long seed, Sealer sealer) {
    this.random = new Random(seed);
    this.sealer = sealer;
  }

  /** How many generated documents turned out valid and were left out. */
  int validSkipped() {
    return validSkipped;
  }

  List<Request> generate(int mutated, int maxBody) {
    List<Request> out = new ArrayList<>();
    while (out.size() < mutated) {
      Request r = mutatedWrite();
      if (r != null) {
        out.add(r);
      }
    }
    out.addAll(syntaxBombs());
    out.addAll(oversized(maxBody));
    out.addAll(wrongContentTypes());
    out.addAll(badMethods());
    out.addAll(hostilePaths());
    out.addAll(unknownMeshes());
    return out;
  }

  // ---- valid seeds (Kuma docs) --------------------------------------------------------------

  private static ObjectNode mesh() {
    ObjectNode m = F.objectNode().put("type", "Mesh").put("name", "m-seed");
    m.putObject("labels").put("team", "platform");
    ObjectNode mtls = m.putObject("mtls").put("enabledBackend", "ca-1");
    ArrayNode backends = mtls.putArray("backends");
    ObjectNode b = backends.addObject().put("name", "ca-1").put("type", "builtin");
    b.putObject("dpCert").putObject("rotation").put("expiration", "1d");
    b.putObject("conf").putObject("caCert").put("RSAbits", 2048).put("expiration", "10y");
    ObjectNode p = backends.addObject().put("name", "ca-2").put("type", "provided");
    ObjectNode conf = p.putObject("conf");
    conf.putObject("cert").put("secret", "c");
    conf.putObject("key").put("secret", "k");
    return m;
  }

  private static ObjectNode dataplane() {
    ObjectNode d = F.objectNode().put("type", "Dataplane").put("mesh", MESH).put("name", "dp-seed");
    ObjectNode n = d.putObject("networking").put("address", "192.168.0.1");
    ObjectNode in = n.putArray("inbound").addObject().put("port", 11011).put("servicePort", 11012);
    in.putObject("tags").put("kuma.io/service", "backend").put("kuma.io/protocol", "http");
    n.putArray("outbound")
        .addObject()
        .put("port", 33033)
        .putObject("tags")
        .put("kuma.io/service", "db");
    ObjectNode probes = d.putObject("probes").put("port", 9000);
    probes
        .putArray("endpoints")
        .addObject()
        .put("inboundPort", 11011)
        .put("inboundPath", "/healthz")
        .put("path", "/11011/healthz");
    return d;
  }

  private static ObjectNode gatewayDataplane() {
    ObjectNode d = F.objectNode().put("type", "Dataplane").put("mesh", MESH).put("name", "gw-seed");
    ObjectNode n = d.putObject("networking").put("address", "10.0.0.1");
    n.putObject("gateway").put("type", "BUILTIN").putObject("tags").put("kuma.io/service", "edge");
    return d;
  }

  private static ObjectNode secret() {
    ObjectNode s = F.objectNode().put("type", "Secret").put("mesh", MESH).put("name", "s-seed");
    s.put("data", Base64.getEncoder().encodeToString("hello world!".getBytes(UTF_8)));
    return s;
  }

  // ---- mutated documents --------------------------------------------------------------------

  private Request mutatedWrite() {
    int which = random.nextInt(4);
    ObjectNode doc =
        switch (which) {
          case 0 -> mesh();
          case 1 -> dataplane();
          case 2 -> gatewayDataplane();
          default -> secret();
        };
    ResourceType type =
        which == 0 ? ResourceType.MESH : which == 3 ? ResourceType.SECRET : ResourceType.DATAPLANE;
    String name = doc.get("name").asText();
    int mutations = 1 + random.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      mutate(doc);
    }
    boolean yaml = random.nextBoolean();
    byte[] body;
    try {
      body = yaml ? YAML.writeValueAsBytes(doc) : JSON.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      // Jackson refuses some strings (lone surrogates in YAML): send them as JSON instead.
      yaml = false;
      try {
        body = JSON.writeValueAsBytes(doc);
      } catch (JsonProcessingException again) {
        throw new IllegalStateException("cannot write a generated document", again);
      }
    }
    if (random.nextInt(8) == 0) {
      body = textMutation(body, yaml);
    }
    String path =
        type == ResourceType.MESH
            ? "/meshes/" + name
            : "/meshes/" + MESH + "/" + type.plural() + "/" + name;
    Format format = yaml ? Format.YAML : Format.JSON;
    if (isValid(type, body, format, type == ResourceType.MESH ? name : MESH, name)) {
      validSkipped++;
      return null;
    }
    return new Request(
        "mutated-" + type.name(),
        "PUT",
        path,
        yaml ? "application/yaml" : "application/json",
        body);
  }

  private boolean isValid(ResourceType type, byte[] body, Format format, String mesh, String name) {
    try {
      type.parse(body, format, mesh, name, sealer);
      return true;
    } catch (ValidationException e) {
      return false;
    } catch (RuntimeException e) {
      // A crash of the model is a bug the server must not turn into a 5xx: keep it in the corpus.
      return false;
    }
  }

  /** One structural mutation somewhere in the tree. */
  private void mutate(ObjectNode root) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode obj) {
      List<String> names = new ArrayList<>();
      obj.fieldNames().forEachRemaining(names::add);
      String field = names.isEmpty() ? "x" : names.get(random.nextInt(names.size()));
      switch (random.nextInt(9)) {
        case 0 -> obj.remove(field);
        case 1 -> obj.set(field, oddValue());
        case 2 -> obj.set(randomKey(), oddValue());
        case 3 -> obj.set(field, deep(random.nextInt(2000) + 1));
        case 4 -> obj.put(field, "x".repeat(random.nextInt(20_000)));
        case 5 -> obj.put(field, ODD_STRINGS[random.nextInt(ODD_STRINGS.length)]);
        case 6 -> {
          ObjectNode labels =
              root.has("labels") && root.get("labels").isObject()
                  ? (ObjectNode) root.get("labels")
                  : root.putObject("labels");
          labels.put(BAD_LABEL_KEYS[random.nextInt(BAD_LABEL_KEYS.length)], "v");
        }
        case 7 -> {
          // Another value for a computed label, or a type Chronomesh does not know.
          if (random.nextBoolean()) {
            ObjectNode labels = root.putObject("labels");
            labels.put("kuma.io/mesh", "other");
          } else {
            root.put("type", random.nextBoolean() ? "MeshTrafficPermission" : "dataplane");
          }
        }
        default -> root.put("name", ODD_STRINGS[random.nextInt(ODD_STRINGS.length)]);
      }
    } else if (target instanceof ArrayNode arr) {
      switch (random.nextInt(4)) {
        case 0 -> arr.removeAll();
        case 1 -> arr.add(oddValue());
        case 2 -> {
          for (int i = 0; i < 1 + random.nextInt(300); i++) {
            arr.add(arr.isEmpty() ? oddValue() : arr.get(0).deepCopy());
          }
        }
        default -> arr.insert(0, deep(50));
      }
    }
  }

  private static void collect(JsonNode node, List<JsonNode> into) {
    if (node.isContainerNode()) {
      into.add(node);
      node.forEach(child -> collect(child, into));
    }
  }

  private String randomKey() {
    return switch (random.nextInt(4)) {
      case 0 -> "unknownField";
      case 1 -> ODD_STRINGS[random.nextInt(ODD_STRINGS.length)];
      case 2 -> "logging";
      default -> "k" + random.nextInt(1000);
    };
  }

  private JsonNode oddValue() {
    return switch (random.nextInt(14)) {
      case 0 -> F.numberNode(-1);
      case 1 -> F.numberNode(0);
      case 2 -> F.numberNode(65536);
      case 3 -> F.numberNode(new BigInteger("9".repeat(40)));
      case 4 -> F.numberNode(Long.MIN_VALUE);
      case 5 -> F.numberNode(1.5e308);
      case 6 -> F.numberNode(-0.5);
      case 7 -> F.booleanNode(random.nextBoolean());
      case 8 -> F.nullNode();
      case 9 -> F.arrayNode().add("a").add(1);
      case 10 -> F.objectNode().put("a", "b");
      case 11 -> F.textNode(ODD_STRINGS[random.nextInt(ODD_STRINGS.length)]);
      case 12 -> F.textNode("8080");
      default -> F.textNode("\u0000".repeat(1 + random.nextInt(50)));
    };
  }

  private static JsonNode deep(int levels) {
    JsonNode node = F.textNode("bottom");
    for (int i = 0; i < levels; i++) {
      node = i % 2 == 0 ? F.arrayNode().add(node) : F.objectNode().set("a", node);
    }
    return node;
  }

  /** Byte-level damage: duplicate keys, truncation, invalid UTF-8, stray characters. */
  private byte[] textMutation(byte[] body, boolean yaml) {
    String text = new String(body, UTF_8);
    switch (random.nextInt(5)) {
      case 0 -> {
        // Duplicate a top-level key.
        if (yaml) {
          int firstLineEnd = text.indexOf('\n', text.startsWith("---") ? 4 : 0);
          String line = text.substring(text.startsWith("---") ? 4 : 0, firstLineEnd + 1);
          return (text + line).getBytes(UTF_8);
        }
        return text.replaceFirst("\\{", "{\"name\":\"dup\",\"name\":\"dup\",").getBytes(UTF_8);
      }
      case 1 -> {
        return java.util.Arrays.copyOf(body, random.nextInt(Math.max(1, body.length)));
      }
      case 2 -> {
        byte[][] bad = {
          {(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {0}
        };
        byte[] insert = bad[random.nextInt(bad.length)];
        int at = random.nextInt(body.length + 1);
        byte[] out = new byte[body.length + insert.length];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(body, at, out, at + insert.length, body.length - at);
        return out;
      }
      case 3 -> {
        return (text + (yaml ? "\n---\ntype: Mesh\nname: second\n" : "{}")).getBytes(UTF_8);
      }
      default -> {
        byte[] out = body.clone();
        for (int i = 0; i < 1 + random.nextInt(5); i++) {
          out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
        return out;
      }
    }
  }

  // ---- fixed hostile families ---------------------------------------------------------------

  private List<Request> syntaxBombs() {
    List<Request> out = new ArrayList<>();
    String dpPath = "/meshes/" + MESH + "/dataplanes/bomb";
    String json = "application/json";
    String yaml = "application/yaml";
    out.add(put("deep-json-array", dpPath, json, "[".repeat(10_000) + "]".repeat(10_000)));
    out.add(put("deep-json-array-open", dpPath, json, "[".repeat(10_000)));
    out.add(
        put("deep-json-object", dpPath, json, "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)));
    out.add(put("deep-yaml-flow", dpPath, yaml, "[".repeat(10_000) + "]".repeat(10_000)));
    out.add(put("deep-yaml-map", dpPath, yaml, "{a: ".repeat(5_000) + "1" + "}".repeat(5_000)));
    StringBuilder indented = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      indented.append(" ".repeat(i)).append("a:\n");
    }
    out.add(put("deep-yaml-block", dpPath, yaml, indented.toString()));
    out.add(
        put(
            "yaml-billion-laughs",
            dpPath,
            yaml,
            "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                + "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                + "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"));
    out.add(put("yaml-java-tag", dpPath, yaml, "!!javax.script.ScriptEngineManager [x]\n"));
    out.add(put("yaml-binary-tag", dpPath, yaml, "type: !!binary AAAA\nname: x\n"));
    out.add(
        put("yaml-merge-key", dpPath, yaml, "base: &b {type: Dataplane}\n<<: *b\nname: bomb\n"));
    out.add(put("empty-json", dpPath, json, ""));
    out.add(put("empty-yaml", dpPath, yaml, ""));
    out.add(put("json-null", dpPath, json, "null"));
    out.add(put("json-number", dpPath, json, "1e999999"));
    out.add(put("json-string", dpPath, json, "\"Dataplane\""));
    out.add(put("json-array", dpPath, json, "[{\"type\":\"Dataplane\"}]"));
    out.add(put("json-comment", dpPath, json, "/* x */ {\"type\":\"Dataplane\"}"));
    out.add(put("json-nan", dpPath, json, "{\"port\": NaN}"));
    out.add(put("json-trailing-comma", dpPath, json, "{\"type\":\"Dataplane\",}"));
    out.add(put("json-single-quotes", dpPath, json, "{'type':'Dataplane'}"));
    out.add(put("json-huge-int", dpPath, json, "{\"a\":" + "9".repeat(5_000) + "}"));
    out.add(put("json-huge-float", dpPath, json, "{\"a\":0." + "1".repeat(5_000) + "e-99999}"));
    out.add(put("yaml-tab-indent", dpPath, yaml, "type: Dataplane\n\tname: x\n"));
    out.add(put("yaml-nul", dpPath, yaml, "type: Dataplane\nname: \u0000\n"));
    out.add(put("yaml-two-docs", dpPath, yaml, "type: Mesh\n---\ntype: Mesh\n"));
    out.add(put("yaml-only-comment", dpPath, yaml, "# nothing\n"));
    out.add(put("yaml-only-dashes", dpPath, yaml, "---\n"));
    out.add(put("bom-json", dpPath, json, "\ufeff{\"type\":\"Dataplane\"}"));
    for (int i = 0; i < 40; i++) {
      byte[] noise = new byte[1 + random.nextInt(2_000)];
      random.nextBytes(noise);
      String type = random.nextBoolean() ? json : yaml;
      out.add(new Request("random-bytes", "PUT", dpPath, type, noise));
    }
    return out;
  }

  private List<Request> oversized(int maxBody) {
    List<Request> out = new ArrayList<>();
    String big =
        "{\"type\":\"Mesh\",\"name\":\"big\",\"labels\":{\"a\":\"" + "x".repeat(maxBody) + "\"}}";
    out.add(put("over-limit-mesh", "/meshes/big", "application/json", big));
    out.add(
        put(
            "over-limit-secret",
            "/meshes/" + MESH + "/secrets/big",
            "application/yaml",
            "type: Secret\nmesh: default\nname: big\ndata: "
                + Base64.getEncoder().encodeToString(new byte[maxBody])
                + "\n"));
    out.add(put("limit-plus-one", "/meshes/big", "application/json", "{" + " ".repeat(maxBody)));
    out.add(put("over-limit-no-type", "/meshes/big", null, " ".repeat(maxBody * 2)));
    out.add(
        put(
            "secret-value-not-base64",
            "/meshes/" + MESH + "/secrets/big",
            "application/json",
            "{\"type\":\"Secret\",\"mesh\":\"default\",\"name\":\"big\",\"data\":\"A\"}"));
    return out;
  }

  private List<Request> wrongContentTypes() {
    List<Request> out = new ArrayList<>();
    String valid = "{\"type\":\"Mesh\",\"name\":\"ct-mesh\"}";
    for (String ct :
        new String[] {
          "text/plain",
          "application/xml",
          "text/html",
          "multipart/form-data; boundary=x",
          "application/x-www-form-urlencoded",
          "application/octet-stream",
          "image/png",
          "garbage",
          "application/",
          ";;;",
          "application/json\u0000",
          "*/*",
          "application/yaml+xml",
        }) {
      // A valid document with an unusable content type must not be stored.
      if (ct.indexOf('\u0000') >= 0) {
        continue; // java.net.http refuses NUL in header values
      }
      out.add(put("content-type " + ct, "/meshes/ct-mesh", ct, valid));
    }
    return out;
  }

  private List<Request> badMethods() {
    List<Request> out = new ArrayList<>();
    String valid = "{\"type\":\"Mesh\",\"name\":\"method-mesh\"}";
    for (String method : new String[] {"POST", "PATCH", "PROPFIND", "FOO"}) {
      out.add(
          new Request("method", method, "/meshes/method-mesh", "application/json", bytes(valid)));
      out.add(new Request("method", method, "/meshes", "application/json", bytes(valid)));
      out.add(
          new Request(
              "method",
              method,
              "/meshes/" + MESH + "/dataplanes/x",
              "application/json",
              bytes(valid)));
    }
    out.add(new Request("method", "PUT", "/meshes", "application/json", bytes(valid)));
    out.add(new Request("method", "DELETE", "/meshes", null, null));
    out.add(
        new Request(
            "method", "PUT", "/meshes/" + MESH + "/dataplanes", "application/json", bytes(valid)));
    out.add(new Request("method", "DELETE", "/meshes/" + MESH + "/dataplanes", null, null));
    out.add(new Request("method", "PUT", "/healthz", "application/json", bytes(valid)));
    out.add(new Request("method", "DELETE", "/events", null, null));
    return out;
  }

  private List<Request> hostilePaths() {
    List<Request> out = new ArrayList<>();
    String[] names = {
      "..",
      "../meshes",
      "%2e%2e",
      "a%2Fb",
      "a%20b",
      "%ff",
      "%c0%af",
      "UPPER",
      "-x",
      "x-",
      "a.b",
      "%E2%80%AE" + "evil",
      "%F0%9F%98%80",
      "x".repeat(300),
      "%25",
      "a;b",
      "a%3Bb",
      "*",
      "%2A",
      "~",
      "%7B%7D"
    };
    for (String name : names) {
      String mesh = "{\"type\":\"Mesh\",\"name\":\"" + name.replace("%", "") + "\"}";
      out.add(put("path-name mesh", "/meshes/" + name, "application/json", mesh));
      out.add(
          put(
              "path-name dataplane",
              "/meshes/" + MESH + "/dataplanes/" + name,
              "application/yaml",
              "type: Dataplane\nmesh: default\nname: x\nnetworking:\n  address: 1.1.1.1\n"
                  + "  inbound:\n  - port: 80\n    tags:\n      kuma.io/service: s\n"));
      out.add(
          put(
              "path-name secret",
              "/meshes/" + name + "/secrets/s",
              "application/yaml",
              "type: Secret\nmesh: default\nname: s\ndata: aGk=\n"));
      out.add(new Request("path-name get", "GET", "/meshes/" + name, null, null));
      out.add(
          new Request(
              "path-name delete", "DELETE", "/meshes/" + MESH + "/secrets/" + name, null, null));
    }
    for (String plural : new String[] {"zones", "meshtrafficpermissions", "Dataplanes", "secret"}) {
      out.add(
          put(
              "unknown-type",
              "/meshes/" + MESH + "/" + plural + "/x",
              "application/json",
              "{\"type\":\"Dataplane\",\"mesh\":\"default\",\"name\":\"x\"}"));
      out.add(new Request("unknown-type get", "GET", "/" + plural + "/x/y/z", null, null));
    }
    out.add(new Request("unknown-route", "GET", "/" + "a/".repeat(500), null, null));
    out.add(new Request("unknown-route", "GET", "/meshes/" + MESH + "/dataplanes/x/y", null, null));
    return out;
  }

  /**
   * Names that Jetty itself rejects before any route runs (an encoded NUL, an encoded separator
   * after a dot segment): the answer must still be a problem+json.
   */
  static List<Request> ambiguousPaths() {
    List<Request> out = new ArrayList<>();
    for (String name : new String[] {"..%2F..%2Fetc", "%00", "a%00b", "%2e%2e%2Fx"}) {
      out.add(
          put(
              "ambiguous-path mesh",
              "/meshes/" + name,
              "application/json",
              "{\"type\":\"Mesh\",\"name\":\"x\"}"));
      out.add(new Request("ambiguous-path get", "GET", "/meshes/" + name, null, null));
      out.add(
          new Request(
              "ambiguous-path delete",
              "DELETE",
              "/meshes/" + MESH + "/secrets/" + name,
              null,
              null));
    }
    return out;
  }

  /**
   * Otherwise valid documents in meshes that do not exist: rejected by the write rules, never
   * stored. Secrets need the server's sealer, which seals before the mesh is looked up.
   */
  private List<Request> unknownMeshes() {
    List<Request> out = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String mesh = "no-such-mesh-" + i;
      ObjectNode dp = dataplane().put("mesh", mesh);
      ((ObjectNode) dp).remove("labels");
      out.add(
          put(
              "unknown-mesh dataplane",
              "/meshes/" + mesh + "/dataplanes/dp-seed",
              "application/json",
              dp.toString()));
      ObjectNode s = secret().put("mesh", mesh);
      out.add(
          put(
              "unknown-mesh secret",
              "/meshes/" + mesh + "/secrets/s-seed",
              "application/json",
              s.toString()));
    }
    return out;
  }

  private static Request put(String kind, String path, String contentType, String body) {
    return new Request(kind, "PUT", path, contentType, bytes(body));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  /** A path segment percent-encoded (spaces as %20). */
  static String segment(String raw) {
    return URLEncoder.encode(raw, UTF_8).replace("+", "%20");
  }
}
