package dev.chronomesh.commandapi.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.auth.UserRole;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.EncryptedData;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.events.avro.TokenRevocationResource;
import dev.chronomesh.meshmodel.Sealer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenAuthTest {
  private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

  private final EnvelopeSealer sealer = new EnvelopeSealer(EnvelopeSealer.newKek());
  private final InMemoryAuthStore store = new InMemoryAuthStore();
  private final MutableClock clock = new MutableClock(T0);
  private final TokenAuth auth = TokenAuth.create(store, sealer, clock);

  @TempDir Path dir;

  private String token(UserRole role, Set<String> meshes) {
    return auth.issueUserToken("jane", List.of("ops"), role, meshes, Duration.ofHours(1));
  }

  private static void refused(Authenticator authenticator, String header, String message) {
    assertThatThrownBy(() -> authenticator.authenticate(header))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining(message)
        .satisfies(
            e -> {
              if (header != null && header.length() > 20) {
                String[] parts = header.replace("Bearer ", "").split("\\.");
                for (String part : parts) {
                  if (part.length() > 8) {
                    assertThat(e.getMessage()).doesNotContain(part);
                  }
                }
              }
            });
  }

  @Test
  void createsTheUserKeyOnFirstUseThroughACreateOnlyCommand() {
    token(UserRole.ADMIN, Set.of());
    token(UserRole.VIEWER, Set.of());

    List<Command> commands = store.submittedOfType("SigningKey");
    assertThat(commands).hasSize(1);
    Command command = commands.get(0);
    assertThat(command.getMesh()).isEqualTo("_global");
    assertThat(command.getName()).isEqualTo("user-token-signing-key");
    assertThat(command.getCreateOnly()).isTrue();
    assertThat(command.getActor()).isEqualTo("system@chronomesh");
    assertThat(command.getIdempotencyKey()).isNull();
    assertThat(command.getExpectedRevision()).isNull();
    assertThat(command.getRequestedAt()).isEqualTo(T0);
    SigningKeyResource key = (SigningKeyResource) command.getPayload();
    assertThat(key.getAlgorithm()).isEqualTo("RS256");
    assertThat(key.getMesh()).isEqualTo("_global");
    assertThat(key.getPrivateKey().getKekId()).isEqualTo(sealer.kekId());
  }

  @Test
  void usesTheCreatedKeyWhileTheViewHasNotCaughtUp() throws Exception {
    store.hiddenKeyLookups = 1_000;
    String token = token(UserRole.ADMIN, Set.of());
    String second = token(UserRole.ADMIN, Set.of());

    assertThat(store.submittedOfType("SigningKey")).hasSize(1);
    assertThat(auth.authenticator().authenticate("Bearer " + token).name()).isEqualTo("jane");
    assertThat(auth.authenticator().authenticate("Bearer " + second).name()).isEqualTo("jane");
  }

  @Test
  void readsTheWinnersKeyWhenAnotherInstanceCreatedItFirst() throws Exception {
    TokenAuth other = TokenAuth.create(store, sealer, clock);
    String otherToken =
        other.issueUserToken("bob", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1));
    SigningKeyResource winner = store.keys.get("_global/user-token-signing-key");
    // This instance's view does not show the winner yet: it submits, loses (412), then waits.
    store.hiddenKeyLookups = 3;

    String token = token(UserRole.VIEWER, Set.of());

    List<Command> commands = store.submittedOfType("SigningKey");
    assertThat(commands).hasSize(2);
    assertThat(store.keys.get("_global/user-token-signing-key")).isSameAs(winner);
    assertThat(auth.authenticator().authenticate(otherToken).name()).isEqualTo("bob");
    assertThat(other.authenticator().authenticate(token).name()).isEqualTo("jane");
  }

  @Test
  void answers503WhenTheWinnersKeyNeverShowsUp() {
    TokenAuth other = TokenAuth.create(store, sealer, clock);
    other.issueUserToken("bob", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1));
    store.hiddenKeyLookups = Integer.MAX_VALUE;
    TokenAuth impatient = TokenAuth.create(store, sealer, clock, Duration.ofMillis(100));

    assertThatThrownBy(
            () ->
                impatient.issueUserToken(
                    "jane", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1)))
        .isInstanceOfSatisfying(TokenProblem.class, p -> assertThat(p.status()).isEqualTo(503));
  }

  @Test
  void concurrentInstancesAgreeOnOneKey() throws Exception {
    TokenAuth a = TokenAuth.create(store, sealer, clock);
    TokenAuth b = TokenAuth.create(store, sealer, clock);
    CountDownLatch bothSubmitting = new CountDownLatch(2);
    store.beforeDecide =
        () -> {
          bothSubmitting.countDown();
          try {
            bothSubmitting.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<String> fromA =
          pool.submit(
              () ->
                  a.issueUserToken("a", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1)));
      Future<String> fromB =
          pool.submit(
              () ->
                  b.issueUserToken("b", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1)));
      String tokenA = fromA.get(30, TimeUnit.SECONDS);
      String tokenB = fromB.get(30, TimeUnit.SECONDS);

      assertThat(store.submittedOfType("SigningKey")).hasSize(2);
      assertThat(store.keys).hasSize(1);
      assertThat(a.authenticator().authenticate(tokenB).name()).isEqualTo("b");
      assertThat(b.authenticator().authenticate(tokenA).name()).isEqualTo("a");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void opensAPrivateKeyOnceAndCachesIt() {
    AtomicInteger opens = new AtomicInteger();
    Sealer counting =
        new Sealer() {
          @Override
          public EncryptedData seal(byte[] plaintext) {
            return sealer.seal(plaintext);
          }

          @Override
          public byte[] open(EncryptedData sealed) {
            opens.incrementAndGet();
            return sealer.open(sealed);
          }
        };
    TokenAuth cached = TokenAuth.create(store, counting, clock);
    for (int i = 0; i < 5; i++) {
      cached.issueUserToken("x", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1));
    }
    assertThat(opens).hasValue(1);
  }

  @Test
  void authenticatesBearerAndBareTokens() throws Exception {
    String token = token(UserRole.EDITOR, Set.of("a", "b"));
    Authenticator authenticator = auth.authenticator();

    Principal principal = authenticator.authenticate("Bearer " + token);
    assertThat(principal.name()).isEqualTo("jane");
    assertThat(principal.groups()).containsExactly("ops");
    assertThat(principal.role()).isEqualTo(Principal.Role.EDITOR);
    assertThat(principal.meshes()).containsExactlyInAnyOrder("a", "b");
    assertThat(principal.tokenId()).hasSize(36);
    assertThat(authenticator.authenticate(token)).isEqualTo(principal);
    assertThat(authenticator.authenticate("bearer  " + token + " ")).isEqualTo(principal);

    Principal viewer = authenticator.authenticate(token(UserRole.VIEWER, Set.of()));
    assertThat(viewer.role()).isEqualTo(Principal.Role.VIEWER);
    assertThat(viewer.meshes()).isEmpty();
  }

  @Test
  void refusesMissingMalformedAndOtherSchemes() {
    token(UserRole.ADMIN, Set.of());
    Authenticator authenticator = auth.authenticator();
    refused(authenticator, null, "missing Authorization header");
    refused(authenticator, "  ", "missing Authorization header");
    refused(authenticator, "Bearer", "missing token");
    refused(authenticator, "Bearer   ", "missing token");
    refused(authenticator, "Basic YWRtaW46YWRtaW4=", "unsupported authorization scheme");
    refused(authenticator, "Bearer a b", "malformed Authorization header");
    refused(authenticator, "Bearer not-a-jwt", "not a signed JWT");
  }

  @Test
  void refusesTokensWhenNoKeyExistsYet() {
    refused(auth.authenticator(), "Bearer a.b.c", "no user token has been issued yet");
    assertThat(store.submitted).isEmpty();
  }

  @Test
  void refusesForgedExpiredAndRevokedTokens() {
    String token = token(UserRole.ADMIN, Set.of());
    Authenticator authenticator = auth.authenticator();

    TokenAuth stranger =
        TokenAuth.create(
            new InMemoryAuthStore(), new EnvelopeSealer(EnvelopeSealer.newKek()), clock);
    String forged =
        stranger.issueUserToken(
            "mallory", List.of(), UserRole.ADMIN, Set.of(), Duration.ofHours(1));
    refused(authenticator, "Bearer " + forged, "signature does not verify");

    String[] parts = token.split("\\.");
    String unsigned =
        java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + ".";
    refused(authenticator, "Bearer " + unsigned, "must be RS256");

    clock.advance(Duration.ofHours(1).plusMinutes(1));
    refused(authenticator, "Bearer " + token, "expired");
  }

  @Test
  void refusesRevokedTokens() throws Exception {
    String token = token(UserRole.ADMIN, Set.of());
    Principal principal = auth.authenticator().authenticate("Bearer " + token);
    store.revocations.put(
        "_global/" + principal.tokenId(),
        TokenRevocationResource.newBuilder()
            .setName(principal.tokenId())
            .setMesh("_global")
            .setTokenType("user")
            .build());

    refused(auth.authenticator(), "Bearer " + token, "revoked");
  }

  @Test
  void bootstrapsTheAdminTokenOnceWithOwnerOnlyPermissions() throws Exception {
    Path file = dir.resolve("data").resolve("admin-token");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    auth.bootstrapAdminToken(file, new PrintStream(printed, true, StandardCharsets.UTF_8));

    String token = Files.readString(file, StandardCharsets.US_ASCII);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    // Where the token is, never the token: no terminal scrollback or log shipper holds it.
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains(file.toAbsolutePath().toString())
        .doesNotContain(token)
        .doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    Principal admin = auth.authenticator().authenticate("Bearer " + token);
    assertThat(admin.name()).isEqualTo("admin");
    assertThat(admin.role()).isEqualTo(Principal.Role.ADMIN);
    clock.advance(Duration.ofDays(3649));
    assertThat(auth.authenticator().authenticate(token).isAdmin()).isTrue();
    try (var files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file);
    }

    ByteArrayOutputStream again = new ByteArrayOutputStream();
    auth.bootstrapAdminToken(file, new PrintStream(again, true, StandardCharsets.UTF_8));
    assertThat(again.size()).isZero();
    assertThat(Files.readString(file, StandardCharsets.US_ASCII)).isEqualTo(token);
  }

  @Test
  void keepsAnExistingAdminTokenFile() throws Exception {
    Path file = dir.resolve("admin-token");
    Files.writeString(file, "existing");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    auth.bootstrapAdminToken(file, new PrintStream(printed, true, StandardCharsets.UTF_8));

    assertThat(printed.size()).isZero();
    assertThat(Files.readString(file)).isEqualTo("existing");
    assertThat(store.submitted).isEmpty();
  }

  @Test
  void parsesAuthorizationHeaders() throws Exception {
    assertThat(TokenAuth.bearerToken("Bearer abc")).isEqualTo("abc");
    assertThat(TokenAuth.bearerToken("BEARER abc")).isEqualTo("abc");
    assertThat(TokenAuth.bearerToken("abc")).isEqualTo("abc");
    assertThat(TokenAuth.bearerToken(" abc ")).isEqualTo("abc");
  }
}
