package dev.chronomesh.ca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.auth.EnvelopeSealer;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a MeshIdentity (Bundled provider) gives the dataplanes it selects, decided by MeshCas. */
class MeshIdentityIssuanceTest {
  private static final EnvelopeSealer SEALER = new EnvelopeSealer(EnvelopeSealer.newKek());
  private static final Instant LATER = TestMeshes.T0.plus(Duration.ofHours(1));
  private static CaKeyPair meshCa;
  private static CaKeyPair identityCa;

  private static final String MESH =
      "type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n"
          + "  - {name: ca-1, type: builtin}\n";
  private static final String WEB =
      """
      type: Dataplane
      mesh: default
      name: web-1
      labels: {app: web, kuma.io/workload: web-v1}
      networking:
        address: 127.0.0.1
        inbound: [{port: 80, tags: {kuma.io/service: web}}]
      """;
  private static final String DB =
      """
      type: Dataplane
      mesh: default
      name: db-1
      labels: {app: db}
      networking:
        address: 127.0.0.2
        inbound: [{port: 5432, tags: {kuma.io/service: db}}]
      """;

  @BeforeAll
  static void cas() {
    meshCa = RootCa.create("default", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
    identityCa =
        RootCa.create(
            "default.default.mesh.local", BuiltinCaConf.DEFAULT, TestMeshes.T0, new SecureRandom());
  }

  private static String identity(String bundled) {
    return """
        type: MeshIdentity
        mesh: default
        name: web-identity
        spec:
          selector: {dataplane: {matchLabels: {app: web}}}
          provider:
            type: Bundled
            bundled: %s
        """
        .formatted(bundled);
  }

  private static final String FROM_SECRETS =
      "{insecureAllowSelfSigned: true, certificateParameters: {expiry: 2h}, ca: {certificate:"
          + " {type: Secret, secretRef: {kind: Secret, name: id-cert}}, privateKey: {type: Secret,"
          + " secretRef: {kind: Secret, name: id-key}}}}";

  private static TestMeshes mesh(String bundled) {
    return new TestMeshes("default")
        .apply(ResourceType.MESH, MESH)
        .apply(ResourceType.DATAPLANE, WEB)
        .apply(ResourceType.DATAPLANE, DB)
        .ca("ca-1", meshCa, SEALER)
        .secret("id-cert", Pem.encode(identityCa.certificate()), SEALER)
        .secret("id-key", Pem.encode(identityCa.privateKey()), SEALER)
        .apply(ResourceType.MESH_IDENTITY, identity(bundled));
  }

  @Test
  void aSelectedDataplaneGetsItsTemplatedIdentityFromTheIdentitysCa() throws Exception {
    MeshState state = mesh(FROM_SECRETS).state();
    Issuance.Ready web = (Issuance.Ready) MeshCas.issuance(state, "web-1", SEALER, LATER);
    assertThat(web.uris()).containsExactly("spiffe://default.default.mesh.local/workload/web-v1");
    assertThat(web.ca().certificate()).isEqualTo(identityCa.certificate());
    assertThat(web.lifetime()).isEqualTo(Duration.ofHours(2));
    assertThat(web.trusted()).containsExactly(meshCa.certificate(), identityCa.certificate());
    // A dataplane it does not select keeps the classic identity, and trusts the identity's CA.
    Issuance.Ready db = (Issuance.Ready) MeshCas.issuance(state, "db-1", SEALER, LATER);
    assertThat(db.uris()).startsWith("spiffe://default/db");
    assertThat(db.ca().certificate()).isEqualTo(meshCa.certificate());
    assertThat(MeshCas.trustBundle(state, "db-1", SEALER).certificates())
        .containsExactly(meshCa.certificate(), identityCa.certificate());
  }

  @Test
  void theClassicIdentityStaysUntilTheIdentitysCaReachedThePeers() {
    MeshState state = mesh(FROM_SECRETS).state();
    Instant written =
        state.get(ResourceType.MESH_IDENTITY, "web-identity").orElseThrow().modificationTime();
    Issuance.Ready early = (Issuance.Ready) MeshCas.issuance(state, "web-1", SEALER, written);
    assertThat(early.uris()).startsWith("spiffe://default/web");
    Issuance.Ready settled =
        (Issuance.Ready)
            MeshCas.issuance(state, "web-1", SEALER, written.plus(MeshCas.TRUST_PROPAGATION));
    assertThat(settled.uris())
        .containsExactly("spiffe://default.default.mesh.local/workload/web-v1");
  }

  @Test
  void theIdentitiesVersionChangesWhenAnIdentityIsWrittenAndWhenItBecomesUsable() {
    TestMeshes mesh =
        new TestMeshes("default")
            .apply(ResourceType.MESH, MESH)
            .apply(ResourceType.DATAPLANE, WEB)
            .ca("ca-1", meshCa, SEALER)
            .secret("id-cert", Pem.encode(identityCa.certificate()), SEALER)
            .secret("id-key", Pem.encode(identityCa.privateKey()), SEALER);
    assertThat(IdentityCas.version(mesh.state(), LATER)).isEmpty();
    MeshState state = mesh.apply(ResourceType.MESH_IDENTITY, identity(FROM_SECRETS)).state();
    Instant written =
        state.get(ResourceType.MESH_IDENTITY, "web-identity").orElseThrow().modificationTime();
    String propagating = IdentityCas.version(state, written);
    assertThat(propagating).isNotEmpty();
    assertThat(IdentityCas.version(state, written.plusSeconds(1))).isEqualTo(propagating);
    String usable = IdentityCas.version(state, written.plus(MeshCas.TRUST_PROPAGATION));
    assertThat(usable).isNotEqualTo(propagating);
    MeshState changed =
        mesh.apply(ResourceType.MESH_IDENTITY, identity(FROM_SECRETS.replace("2h", "3h"))).state();
    assertThat(IdentityCas.version(changed, LATER)).isNotEqualTo(usable);
  }

  @Test
  void meshTrustCreationDisabledLeavesTheCaOutOfTheBundleAndSignsAtOnce() {
    MeshState state =
        mesh(FROM_SECRETS.replace("{insecure", "{meshTrustCreation: Disabled, insecure")).state();
    assertThat(MeshCas.trustBundle(state, "db-1", SEALER).certificates())
        .containsExactly(meshCa.certificate());
    Instant written =
        state.get(ResourceType.MESH_IDENTITY, "web-identity").orElseThrow().modificationTime();
    assertThat(((Issuance.Ready) MeshCas.issuance(state, "web-1", SEALER, written)).uris())
        .containsExactly("spiffe://default.default.mesh.local/workload/web-v1");
  }

  @Test
  void anIdentityThatCannotIssueSaysWhy() {
    MeshState selfSigned =
        mesh(FROM_SECRETS.replace("insecureAllowSelfSigned: true, ", "")).state();
    assertThat(MeshCas.issuance(selfSigned, "web-1", SEALER, LATER))
        .isEqualTo(
            new Issuance.NotReady(
                "MeshIdentity \"web-identity\" of mesh \"default\": self-signed certificates are"
                    + " not allowed"));
    MeshState noWorkload =
        mesh(FROM_SECRETS)
            .apply(ResourceType.DATAPLANE, WEB.replace(", kuma.io/workload: web-v1", ""))
            .state();
    assertThat(MeshCas.issuance(noWorkload, "web-1", SEALER, LATER))
        .isEqualTo(
            new Issuance.NotReady(
                "MeshIdentity \"web-identity\" of mesh \"default\" gives dataplane \"web-1\" no"
                    + " identity: failed to parse SPIFFE ID"
                    + " \"spiffe://default.default.mesh.local/workload/\": path cannot have a"
                    + " trailing slash"));
  }

  @Test
  void anAutogeneratedCaIsCreatedOnceWithKumasNamesAndTheClassicIdentityServesMeanwhile() {
    TestMeshes mesh =
        new TestMeshes("default")
            .apply(ResourceType.MESH, MESH)
            .apply(ResourceType.DATAPLANE, WEB)
            .ca("ca-1", meshCa, SEALER)
            .apply(
                ResourceType.MESH_IDENTITY,
                identity("{autogenerate: {enabled: true}, insecureAllowSelfSigned: true}"));
    assertThat(MissingCas.of(mesh.state()))
        .containsExactly(
            new MissingCas.Step(
                "default",
                "MeshIdentity/web-identity",
                "web-identity-root-ca",
                "web-identity-private-key",
                "default.default.mesh.local",
                BuiltinCaConf.DEFAULT,
                false));
    assertThat(((Issuance.Ready) MeshCas.issuance(mesh.state(), "web-1", SEALER, LATER)).uris())
        .startsWith("spiffe://default/web");
    MeshState created =
        mesh.secret("web-identity-private-key", Pem.encode(identityCa.privateKey()), SEALER)
            .secret("web-identity-root-ca", Pem.encode(identityCa.certificate()), SEALER)
            .state();
    assertThat(MissingCas.of(created)).isEmpty();
    Issuance.Ready ready = (Issuance.Ready) MeshCas.issuance(created, "web-1", SEALER, LATER);
    assertThat(ready.uris())
        .isEqualTo(List.of("spiffe://default.default.mesh.local/workload/web-v1"));
    assertThat(ready.lifetime()).isEqualTo(WorkloadCertificates.DEFAULT_LIFETIME);
  }
}
