package dev.chronomesh.meshmodel.policies;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.policy.PolicyType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reads policy documents as the admin API does, for the policy types' tests. */
public final class PolicyDocuments {
  private PolicyDocuments() {}

  /** The problems of {@code yaml} as {@code type}; empty when it is accepted. */
  public static List<Violation> violations(PolicyType<?> type, String yaml) {
    try {
      ResourceType.forPolicy(type).parse(yaml.getBytes(UTF_8), Format.YAML, null, null);
      return List.of();
    } catch (ValidationException e) {
      return e.violations();
    }
  }

  /** {@code field: reason} of each problem, for readable assertions. */
  public static List<String> problems(PolicyType<?> type, String yaml) {
    return violations(type, yaml).stream().map(v -> v.field() + ": " + v.reason()).toList();
  }

  /**
   * A document of {@code type} named {@code p} in mesh {@code default} whose top-level targetRef is
   * the mesh, with {@code sections} (YAML of {@code to}, {@code rules}, ... at column 0) as its
   * spec's other fields.
   */
  public static String meshPolicy(PolicyType<?> type, String sections) {
    return "type: "
        + type.name()
        + "\nmesh: default\nname: p\nspec:\n  targetRef: {kind: Mesh}\n"
        + sections.indent(2);
  }

  /** The names of the files of a test resource folder, sorted. */
  public static Stream<String> files(String dir) {
    try (Stream<Path> files = Files.list(Path.of(PolicyDocuments.class.getResource(dir).toURI()))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /**
   * A documentation example of Kuma is accepted, also its MeshService variant ({@code
   * NN-meshservice.yaml}: the 2.9+ form of an example shown with {@code use_meshservice}, whose
   * route backendRefs name a port of a MeshService resource).
   */
  public static void assertKumaDocExample(PolicyType<?> type, String path) {
    assertThat(problems(type, resource(path))).as(path).isEmpty();
  }

  /** A test resource as text. */
  public static String resource(String path) {
    try (InputStream in = PolicyDocuments.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
