package dev.chronomesh.meshmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Mesh and Dataplane document of Kuma's documentation (kuma-website {@code app/_src}, every
 * version's page; src/test/resources/kuma-core/docs/{mesh,dataplane}) and every case of Kuma
 * v2.14.3's validator tests ({@code
 * pkg/core/resources/apis/mesh/{mesh,dataplane}_validator_test.go};
 * src/test/resources/kuma-core/validator/{mesh,dataplane}): Kuma's valid documents are accepted,
 * its invalid ones refused. Each file's first line names where it came from.
 *
 * <p>The valid documents Chronomesh refuses are listed in {@link #NOT_SUPPORTED_YET} with the
 * reason: each refusal must be "not supported by Chronomesh yet" and nothing else, so that an
 * accepted setting always has an effect.
 */
class KumaMeshDataplaneCasesTest {

  private static final String LOGGING =
      "Mesh logging: the MeshAccessLog policy is its successor, not implemented yet";
  private static final String TRACING =
      "Mesh tracing: the MeshTrace policy is its successor, not implemented yet";
  private static final String ROUTING = "Mesh routing: no zone egress, no locality-aware routing";
  private static final String PROVIDED_TLS =
      "Prometheus tls.mode providedTLS: the certificate paths come from kuma-dp's environment";
  private static final String AGGREGATE =
      "Prometheus aggregate: needs kuma-dp's metrics hijacker, which Chronomesh does not address";
  private static final String TRANSPARENT_PROXYING =
      "transparentProxying: its redirect listeners are not generated yet";
  private static final String BACKEND_REF =
      "backendRef to a MeshExternalService: it needs a zone egress";
  private static final String LISTENERS = "networking.listeners: zone ingress/egress listeners";

  /** Valid in Kuma, refused here as not supported yet: the file and why. */
  static final Map<String, String> NOT_SUPPORTED_YET =
      Map.ofEntries(
          Map.entry("kuma-core/docs/mesh/02.yaml", LOGGING),
          Map.entry("kuma-core/docs/mesh/03.yaml", ROUTING),
          Map.entry(
              "kuma-core/docs/mesh/04.yaml",
              "Mesh networking.outbound.passthrough: no passthrough"),
          Map.entry("kuma-core/docs/mesh/05.yaml", ROUTING),
          Map.entry("kuma-core/docs/mesh/10.yaml", LOGGING),
          Map.entry("kuma-core/docs/mesh/14.yaml", PROVIDED_TLS),
          Map.entry("kuma-core/docs/mesh/15.yaml", AGGREGATE),
          Map.entry("kuma-core/docs/mesh/16.yaml", AGGREGATE),
          Map.entry("kuma-core/docs/mesh/20.yaml", TRACING),
          Map.entry("kuma-core/docs/mesh/21.yaml", TRACING),
          Map.entry("kuma-core/docs/mesh/33.yaml", ROUTING),
          Map.entry(
              "kuma-core/docs/mesh/36.yaml",
              "meshServices.mode Exclusive: MeshServices generated from the dataplanes"),
          Map.entry("kuma-core/docs/dataplane/25.yaml", TRANSPARENT_PROXYING),
          Map.entry("kuma-core/validator/dataplane/valid-18.yaml", TRANSPARENT_PROXYING),
          Map.entry("kuma-core/docs/dataplane/30.yaml", BACKEND_REF),
          Map.entry(
              "kuma-core/validator/mesh/valid-01.yaml",
              LOGGING + "; " + TRACING + "; " + AGGREGATE),
          Map.entry(
              "kuma-core/validator/mesh/valid-02.yaml",
              LOGGING + "; " + TRACING + "; " + AGGREGATE),
          Map.entry("kuma-core/validator/dataplane/valid-12.yaml", AGGREGATE),
          Map.entry("kuma-core/validator/dataplane/valid-15.yaml", BACKEND_REF),
          Map.entry(
              "kuma-core/validator/dataplane/valid-16.yaml",
              "transparentProxying.reachableBackends: transparent proxying is not generated yet"),
          Map.entry("kuma-core/validator/dataplane/valid-20.yaml", LISTENERS),
          Map.entry("kuma-core/validator/dataplane/valid-21.yaml", LISTENERS),
          Map.entry("kuma-core/validator/dataplane/valid-22.yaml", LISTENERS),
          Map.entry("kuma-core/validator/dataplane/valid-23.yaml", LISTENERS));

  /**
   * Snippets of Kuma's documentation that are not whole documents, or that Kuma's REST API refuses
   * too: refused here as well.
   */
  static final Map<String, String> NOT_A_KUMA_DOCUMENT =
      Map.ofEntries(
          Map.entry(
              "kuma-core/docs/mesh/08.yaml", "the page elides the base64 certificate with '...'"),
          Map.entry(
              "kuma-core/docs/mesh/18.yaml", "a universal Mesh has no 'spec' (Kubernetes form)"),
          Map.entry(
              "kuma-core/docs/mesh/19.yaml", "a universal Mesh has no 'spec' (Kubernetes form)"),
          Map.entry(
              "kuma-core/docs/mesh/29.yaml", "'config' instead of 'conf': unknown to Kuma too"),
          Map.entry("kuma-core/docs/dataplane/15.yaml", "a fragment: no networking"),
          Map.entry("kuma-core/docs/dataplane/16.yaml", "a fragment: no networking"),
          Map.entry("kuma-core/docs/dataplane/17.yaml", "a fragment: no networking"),
          Map.entry(
              "kuma-core/docs/dataplane/18.yaml", "inbound outside networking: unknown to Kuma"),
          Map.entry("kuma-core/docs/dataplane/19.yaml", "a fragment with '...'"),
          Map.entry("kuma-core/docs/dataplane/20.yaml", "a template: '{ { name } }'"),
          Map.entry("kuma-core/docs/dataplane/21.yaml", "a fragment: no address"),
          Map.entry("kuma-core/docs/dataplane/33.yaml", "a fragment with '...'"));

  static Stream<Arguments> validDocuments() throws Exception {
    return Stream.concat(
        Stream.concat(files("kuma-core/docs/mesh", ""), files("kuma-core/docs/dataplane", "")),
        Stream.concat(
            files("kuma-core/validator/mesh", "valid-"),
            files("kuma-core/validator/dataplane", "valid-")));
  }

  static Stream<Arguments> invalidDocuments() throws Exception {
    return Stream.concat(
        files("kuma-core/validator/mesh", "invalid-"),
        files("kuma-core/validator/dataplane", "invalid-"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validDocuments")
  void acceptsKumasValidDocuments(String file) throws Exception {
    List<Violation> problems = problems(file);
    String why = NOT_SUPPORTED_YET.get(file);
    if (NOT_A_KUMA_DOCUMENT.containsKey(file)) {
      assertThat(problems).as(file + ": " + NOT_A_KUMA_DOCUMENT.get(file)).isNotEmpty();
    } else if (why == null) {
      assertThat(problems).as(file + " (valid in Kuma)").isEmpty();
    } else {
      assertThat(problems).as(file + ": " + why).isNotEmpty();
      assertThat(problems)
          .as(file + ": refused only as not supported yet")
          .allSatisfy(v -> assertThat(v.reason()).startsWith(Violations.NOT_SUPPORTED_YET));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidDocuments")
  void refusesKumasInvalidDocuments(String file) throws Exception {
    assertThat(problems(file)).as(file + " (invalid in Kuma)").isNotEmpty();
  }

  /** The violations of a document, with the type its {@code type} field names. */
  static List<Violation> problems(String file) throws IOException {
    byte[] body;
    try (InputStream in = KumaMeshDataplaneCasesTest.class.getResourceAsStream("/" + file)) {
      body = in.readAllBytes();
    }
    String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    ResourceType type =
        text.lines().map(String::strip).anyMatch(l -> l.equals("type: Mesh"))
            ? ResourceType.MESH
            : ResourceType.DATAPLANE;
    try {
      type.parse(body, Format.YAML, null, null);
      return List.of();
    } catch (ValidationException e) {
      return e.violations();
    }
  }

  private static Stream<Arguments> files(String dir, String prefix)
      throws IOException, URISyntaxException {
    URL url = KumaMeshDataplaneCasesTest.class.getResource("/" + dir);
    try (Stream<Path> list = Files.list(Path.of(url.toURI()))) {
      return list
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && n.startsWith(prefix))
          .sorted()
          .map(n -> Arguments.of(dir + "/" + n))
          .toList()
          .stream();
    }
  }
}
