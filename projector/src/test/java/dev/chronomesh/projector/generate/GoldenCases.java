package dev.chronomesh.projector.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.PolicyResource;
import dev.chronomesh.meshmodel.Format;
import dev.chronomesh.meshmodel.MeshGateway;
import dev.chronomesh.meshmodel.ResourceType;
import dev.chronomesh.meshmodel.ValidationException;
import dev.chronomesh.meshmodel.Violation;
import dev.chronomesh.meshmodel.meshidentity.MeshIdentity;
import dev.chronomesh.meshmodel.meshservice.MeshService;
import dev.chronomesh.meshmodel.meshtrust.MeshTrust;
import dev.chronomesh.meshmodel.policy.Policy;
import dev.chronomesh.meshmodel.policy.PolicyJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;

/**
 * The golden cases under {@code src/test/resources/golden}: each directory holds an {@code
 * input.yaml} (Kuma universal YAML documents: one Mesh, its Dataplanes, MeshServices and targetRef
 * policies) and, per dataplane and flavour, the expected {@code <dataplane>.<flavour>.json}.
 */
final class GoldenCases {
  static final Path ROOT = Path.of("src/test/resources/golden");

  /** Every Envoy type the generators emit, top-level or inside an Any. */
  static final JsonFormat.TypeRegistry REGISTRY = Protos.jsonTypes();

  /** A generator flavour and its file suffix. */
  enum Flavour {
    SIDECAR("sidecar", SidecarGenerator::generate),
    PROXYLESS("proxyless", ProxylessGrpcGenerator::generate),
    GATEWAY("gateway", GatewayGenerator::generate);

    /** The flavours a dataplane is generated in: a builtin gateway's own, else both others. */
    static List<Flavour> of(DataplaneResource dp) {
      return MeshGateway.isBuiltinGateway(dp) ? List.of(GATEWAY) : List.of(SIDECAR, PROXYLESS);
    }

    final String suffix;
    final BiFunction<MeshContext, DataplaneResource, GeneratedConfig> generator;

    Flavour(String suffix, BiFunction<MeshContext, DataplaneResource, GeneratedConfig> generator) {
      this.suffix = suffix;
      this.generator = generator;
    }

    /**
     * What a proxy of this flavour receives: its config's resources plus the shared load
     * assignments of its EDS clusters, sorted.
     */
    List<GeneratedResource> resources(MeshContext mesh, DataplaneResource dp) {
      GeneratedConfig config = generator.apply(mesh, dp);
      List<GeneratedResource> out = new ArrayList<>(config.resources());
      config
          .edsClusters()
          .forEach(
              (name, selector) ->
                  out.add(Protos.resource(name, mesh.loadAssignment(name, selector))));
      out.sort(GeneratedResource.ORDER);
      return out;
    }
  }

  private GoldenCases() {}

  /** The case directories, sorted by name. */
  static List<Path> cases() {
    try (Stream<Path> dirs = Files.list(ROOT)) {
      return dirs.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The mesh of a case, parsed and validated by mesh-model as the REST API would. */
  static MeshResources load(Path caseDir) {
    String text;
    try {
      text = Files.readString(caseDir.resolve("input.yaml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    MeshResource mesh = null;
    List<DataplaneResource> dataplanes = new ArrayList<>();
    List<Policy> policies = new ArrayList<>();
    List<MeshGateway> gateways = new ArrayList<>();
    List<MeshService> meshServices = new ArrayList<>();
    List<MeshTrust> meshTrusts = new ArrayList<>();
    List<MeshIdentity> meshIdentities = new ArrayList<>();
    List<String> documents = List.of(text.split("(?m)^---\\s*$"));
    for (int i = 0; i < documents.size(); i++) {
      String doc = documents.get(i);
      if (doc.isBlank()) {
        continue;
      }
      try {
        JsonNode node = yaml.readTree(doc);
        String type = node.path("type").asText();
        if (type.equals(MeshGateway.TYPE)) {
          gateways.add(
              MeshGateway.of(
                  (PolicyResource)
                      ResourceType.MESH_GATEWAY.parse(
                          doc.getBytes(StandardCharsets.UTF_8), Format.YAML, null, null)));
          continue;
        }
        if (!type.equals("Mesh")
            && !type.equals("Dataplane")
            && !type.equals(MeshService.TYPE)
            && !type.equals(MeshTrust.TYPE)
            && !type.equals(MeshIdentity.TYPE)) {
          // The structure and the binding to the type's records, not the type's value rules:
          // golden cases also show what the generators do with values the API refuses.
          List<Violation> violations = new ArrayList<>();
          Policy policy = PolicyJson.parse(node, violations);
          if (!violations.isEmpty()) {
            throw new IllegalArgumentException("invalid " + type + ": " + violations);
          }
          policies.add(policy);
          continue;
        }
        ResourceType resourceType =
            ResourceType.byName(type)
                .orElseThrow(() -> new IllegalArgumentException("unknown type " + type));
        SpecificRecord record =
            resourceType.parse(doc.getBytes(StandardCharsets.UTF_8), Format.YAML, null, null);
        if (record instanceof MeshResource m) {
          mesh = m;
        } else if (record instanceof DataplaneResource d) {
          dataplanes.add(d);
        } else if (MeshService.of(record).isPresent()) {
          meshServices.add(MeshService.of(record).get());
        } else if (MeshTrust.of(record).isPresent()) {
          meshTrusts.add(MeshTrust.of(record).get());
        } else if (MeshIdentity.of(record).isPresent()) {
          meshIdentities.add(MeshIdentity.of(record).get());
        } else {
          throw new IllegalArgumentException("unexpected " + type);
        }
      } catch (IOException | ValidationException | RuntimeException e) {
        throw new IllegalArgumentException(
            caseDir + "/input.yaml document " + i + ": " + e.getMessage(), e);
      }
    }
    if (mesh == null) {
      throw new IllegalArgumentException(caseDir + "/input.yaml has no Mesh");
    }
    return new MeshResources(
        mesh, dataplanes, policies, gateways, meshServices, meshTrusts, meshIdentities);
  }

  /**
   * Compares {@code actual} with the golden {@code file}, after rewriting the file when run with
   * {@code -Dgolden.update=true}.
   */
  static void assertGolden(Path file, String actual) throws IOException {
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual);
    }
    org.assertj.core.api.Assertions.assertThat(file)
        .as("golden file (regenerate with -Dgolden.update=true)")
        .exists();
    org.assertj.core.api.Assertions.assertThat(actual).isEqualTo(Files.readString(file));
  }

  /** The file a flavour's config of a dataplane is kept in. */
  static Path golden(Path caseDir, DataplaneResource dp, Flavour flavour) {
    return caseDir.resolve(dp.getName() + "." + flavour.suffix + ".json");
  }

  /** The resources as JSON: an array in the generator's order, each with its {@code @type}. */
  static String print(List<GeneratedResource> resources) {
    JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(REGISTRY);
    List<String> items = new ArrayList<>();
    for (GeneratedResource r : resources) {
      Any any = Any.newBuilder().setTypeUrl(r.typeUrl()).setValue(r.value()).build();
      try {
        items.add(printer.print(any).replace("\n", "\n  "));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("cannot print " + r.typeUrl() + " " + r.name(), e);
      }
    }
    return items.isEmpty() ? "[]\n" : "[\n  " + String.join(",\n  ", items) + "\n]\n";
  }

  /** The message a generated resource holds, parsed with the registry's descriptor. */
  static Message parse(GeneratedResource r) {
    try {
      Descriptor d = REGISTRY.find(r.typeUrl().substring(r.typeUrl().lastIndexOf('/') + 1));
      if (d == null) {
        throw new IllegalStateException("type not in the registry: " + r.typeUrl());
      }
      return DynamicMessage.parseFrom(d, r.value());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot parse " + r.typeUrl() + " " + r.name(), e);
    }
  }
}
