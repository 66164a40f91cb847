package dev.chronomesh.commandapi.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.auth.DataplaneTokens;
import dev.chronomesh.auth.SigningKey;
import dev.chronomesh.auth.UserTokens;
import dev.chronomesh.commandapi.auth.TokenRequests.DataplaneTokenRequest;
import dev.chronomesh.commandapi.auth.TokenRequests.RevocationRequest;
import dev.chronomesh.commandapi.auth.TokenRequests.UserTokenRequest;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandKind;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.TokenRevocationResource;
import dev.chronomesh.meshmodel.Violation;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The token endpoints of the admin API. Answers never contain keys; tokens only when issued. */
final class TokenRoutes {
  static final String PROBLEM_TYPE = "application/problem+json";
  static final String REVOCATION_TYPE = "TokenRevocation";

  /** The colleague's error fallbacks leave a response alone when this attribute is set. */
  static final String PROBLEM_WRITTEN = "chronomesh.problem-written";

  static final String REQUEST_ID = "chronomesh.request-id";
  static final int MAX_BODY_BYTES = 64 * 1024;
  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(TokenRoutes.class);

  private static final Map<Integer, String> TITLES =
      Map.ofEntries(
          Map.entry(400, "Bad Request"),
          Map.entry(401, "Unauthorized"),
          Map.entry(403, "Forbidden"),
          Map.entry(404, "Not Found"),
          Map.entry(409, "Conflict"),
          Map.entry(412, "Precondition Failed"),
          Map.entry(413, "Content Too Large"),
          Map.entry(415, "Unsupported Media Type"),
          Map.entry(503, "Service Unavailable"));

  private final AuthStore store;
  private final KeyRing keys;
  private final UserTokens userTokens;
  private final DataplaneTokens dataplaneTokens;
  private final Clock clock;
  private final ObjectMapper json;
  private final TokenRequests requests;

  TokenRoutes(
      AuthStore store,
      KeyRing keys,
      UserTokens userTokens,
      DataplaneTokens dataplaneTokens,
      Clock clock,
      ObjectMapper json) {
    this.store = store;
    this.keys = keys;
    this.userTokens = userTokens;
    this.dataplaneTokens = dataplaneTokens;
    this.clock = clock;
    this.json = json;
    this.requests = new TokenRequests(json);
  }

  void install(Javalin app) {
    app.post("/tokens/user", guarded(this::issueUserToken));
    app.post("/tokens/dataplane", guarded(this::issueDataplaneToken));
    app.post("/tokens/revocations", guarded(this::revoke));
    app.get("/tokens/revocations", guarded(this::listRevocations));
  }

  private Handler guarded(Handler handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (TokenProblem p) {
        writeProblem(ctx, p.status(), p.getMessage(), p.violations());
      }
    };
  }

  private void issueUserToken(Context ctx) {
    Principal principal = principal(ctx);
    if (!principal.isAdmin()) {
      throw new TokenProblem(403, "only an admin may issue user tokens");
    }
    UserTokenRequest request = requests.userToken(body(ctx));
    SigningKey key = keys.signingKey(KeyRing.GLOBAL, KeyRing.USER_KEY);
    String token =
        userTokens.issue(
            key,
            request.name(),
            request.groups(),
            request.role(),
            request.meshes(),
            request.validFor());
    LOG.info(
        "User token issued subject={} role={} meshes={} validFor={} by={}",
        request.name(),
        request.role().wireName(),
        request.meshes(),
        request.validFor(),
        principal.name());
    answerToken(ctx, token);
  }

  private void issueDataplaneToken(Context ctx) {
    Principal principal = principal(ctx);
    if (principal.role() == Principal.Role.VIEWER) {
      throw new TokenProblem(403, "a viewer may not issue dataplane tokens");
    }
    DataplaneTokenRequest request = requests.dataplaneToken(body(ctx));
    if (!principal.canWrite(request.mesh(), false)) {
      throw new TokenProblem(
          403, "issuing dataplane tokens of mesh " + request.mesh() + " needs admin or its editor");
    }
    if (!store.meshExists(request.mesh())) {
      throw new TokenProblem(404, "mesh " + request.mesh() + " does not exist");
    }
    SigningKey key = keys.signingKey(request.mesh(), KeyRing.DATAPLANE_KEY);
    String token =
        dataplaneTokens.issue(
            key, request.mesh(), request.name(), request.tags(), request.validFor());
    LOG.info(
        "Dataplane token issued mesh={} dataplane={} validFor={} by={}",
        request.mesh(),
        request.name(),
        request.validFor(),
        principal.name());
    answerToken(ctx, token);
  }

  private void revoke(Context ctx) {
    Principal principal = principal(ctx);
    if (principal.role() == Principal.Role.VIEWER) {
      throw new TokenProblem(403, "a viewer may not revoke tokens");
    }
    RevocationRequest request = requests.revocation(body(ctx));
    boolean user = request.type().equals("user");
    if (user && !principal.isAdmin()) {
      throw new TokenProblem(403, "only an admin may revoke user tokens");
    }
    if (!user && !principal.canWrite(request.mesh(), false)) {
      throw new TokenProblem(
          403,
          "revoking dataplane tokens of mesh " + request.mesh() + " needs admin or its editor");
    }
    if (!user && !store.meshExists(request.mesh())) {
      throw new TokenProblem(404, "mesh " + request.mesh() + " does not exist");
    }
    Command command =
        Command.newBuilder()
            .setRequestId(requestId(ctx))
            .setMesh(request.mesh())
            .setResourceType(REVOCATION_TYPE)
            .setName(request.tokenId())
            .setKind(CommandKind.UPSERT)
            .setPayload(
                TokenRevocationResource.newBuilder()
                    .setName(request.tokenId())
                    .setMesh(request.mesh())
                    .setTokenType(request.type())
                    .build())
            .setExpectedRevision(null)
            .setCreateOnly(false)
            .setCascade(false)
            .setIdempotencyKey(null)
            .setActor(principal.actor(ctx.ip()))
            .setRequestedAt(clock.instant())
            .build();
    CommandResult result = store.submit(command);
    if (result.getStatus() != 200 && result.getStatus() != 201) {
      List<Violation> violations = new ArrayList<>();
      result
          .getViolations()
          .forEach(v -> violations.add(new Violation(v.getField(), v.getReason())));
      String detail =
          result.getDetail() != null
              ? result.getDetail()
              : result.getTitle() != null ? result.getTitle() : "the revocation was rejected";
      throw new TokenProblem(result.getStatus(), detail, violations);
    }
    LOG.info(
        "Token revoked mesh={} tokenId={} type={} by={} requestId={}",
        request.mesh(),
        request.tokenId(),
        request.type(),
        principal.name(),
        command.getRequestId());
    ObjectNode body = json.createObjectNode();
    body.put("tokenId", request.tokenId());
    body.put("type", request.type());
    body.put("mesh", request.mesh());
    ctx.status(200).contentType("application/json").result(body.toString());
  }

  private void listRevocations(Context ctx) {
    Principal principal = principal(ctx);
    if (!principal.isAdmin()) {
      throw new TokenProblem(403, "only an admin may list revocations");
    }
    List<Violation> violations = new ArrayList<>();
    String mesh = ctx.queryParam("mesh");
    String meshProblem = TokenRequests.meshNameProblem(mesh);
    if (meshProblem != null) {
      violations.add(new Violation("mesh", meshProblem));
    }
    int size = intParam(ctx, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, violations);
    int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE, violations);
    if (!violations.isEmpty()) {
      throw new TokenProblem(400, "invalid query parameters", violations);
    }
    List<TokenRevocationResource> all =
        store.revocations(mesh).stream()
            .sorted(Comparator.comparing(TokenRevocationResource::getName))
            .toList();
    ObjectNode body = json.createObjectNode();
    body.put("total", all.size());
    ArrayNode items = body.putArray("items");
    int end = (int) Math.min((long) offset + size, all.size());
    for (int i = Math.min(offset, all.size()); i < end; i++) {
      TokenRevocationResource r = all.get(i);
      items
          .addObject()
          .put("tokenId", r.getName())
          .put("type", r.getTokenType())
          .put("mesh", r.getMesh());
    }
    if (end < all.size()) {
      body.put(
          "next",
          ctx.path()
              + "?mesh="
              + URLEncoder.encode(mesh, StandardCharsets.UTF_8)
              + "&offset="
              + end
              + "&size="
              + size);
    } else {
      body.putNull("next");
    }
    ctx.status(200).contentType("application/json").result(body.toString());
  }

  private static int intParam(
      Context ctx, String name, int defaultValue, int min, int max, List<Violation> violations) {
    String raw = ctx.queryParam(name);
    if (raw == null || raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    violations.add(
        new Violation(
            name,
            "must be an integer from " + min + (max == Integer.MAX_VALUE ? " up" : " to " + max)));
    return defaultValue;
  }

  /** The principal the API's before-handler established; 401 when there is none. */
  static Principal principal(Context ctx) {
    Object principal = ctx.attribute(TokenAuth.PRINCIPAL_ATTRIBUTE);
    if (principal instanceof Principal p) {
      return p;
    }
    throw new TokenProblem(401, "authentication required: send Authorization: Bearer <token>");
  }

  private static byte[] body(Context ctx) {
    String contentType = ctx.contentType();
    if (contentType != null && !contentType.isBlank()) {
      String media = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
      if (!media.equals("application/json") && !media.endsWith("+json")) {
        throw new TokenProblem(415, "unsupported media type: send application/json");
      }
    }
    long declared = ctx.req().getContentLengthLong();
    if (declared > MAX_BODY_BYTES) {
      throw new TokenProblem(413, "the request body is larger than " + MAX_BODY_BYTES + " bytes");
    }
    try (java.io.InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      if (body.length > MAX_BODY_BYTES) {
        throw new TokenProblem(413, "the request body is larger than " + MAX_BODY_BYTES + " bytes");
      }
      return body;
    } catch (java.io.IOException e) {
      throw new TokenProblem(400, "cannot read the request body");
    }
  }

  private static String requestId(Context ctx) {
    Object id = ctx.attribute(REQUEST_ID);
    return id instanceof String s ? s : UUID.randomUUID().toString();
  }

  private static void answerToken(Context ctx, String token) {
    ctx.status(200);
    ctx.header("Cache-Control", "no-store");
    ctx.contentType("text/plain; charset=utf-8");
    ctx.result(token);
  }

  private void writeProblem(Context ctx, int status, String detail, List<Violation> violations) {
    ObjectNode body = json.createObjectNode();
    body.put("type", "/std-errors");
    body.put("title", TITLES.getOrDefault(status, "Error"));
    body.put("status", status);
    body.put("detail", detail);
    body.put("instance", ctx.path());
    if (!violations.isEmpty()) {
      ArrayNode params = body.putArray("invalid_parameters");
      for (Violation v : violations) {
        params.addObject().put("field", v.field()).put("reason", v.reason());
      }
    }
    if (status == 401) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"chronomesh\"");
    }
    if (status == 503) {
      ctx.header("Retry-After", "1");
    }
    ctx.attribute(PROBLEM_WRITTEN, Boolean.TRUE);
    ctx.status(status);
    ctx.contentType(PROBLEM_TYPE);
    ctx.result(body.toString());
  }
}
