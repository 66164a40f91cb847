package dev.chronomesh.projector.generate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.projector.generate.policy.Place;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files of what the policy hooks add to inbounds that terminate the mesh's mTLS ({@link
 * Place#mtls()}), which no generator of this tree builds yet: per case of {@code
 * src/test/resources/golden-mtls} (input YAML as the golden cases'), each dataplane's inbounds as
 * an Envoy sidecar's (an HTTP inbound's HTTP filters through {@link PolicyHooks#inboundHttp}, its
 * network filters through {@link PolicyHooks#inboundNetworkFilters}) and, for gRPC inbounds, as a
 * proxyless gRPC server's listener ({@code new Place(service, "grpc", true, true)}). Run with
 * {@code -Dgolden.update=true} to rewrite them.
 */
class MtlsInboundGoldenTest {
  private static final Path ROOT = Path.of("src/test/resources/golden-mtls");

  @TestFactory
  Stream<DynamicTest> everyCaseMatchesItsGoldenFiles() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(ROOT)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        MeshResources resources = GoldenCases.load(dir);
        MeshContext mesh = MeshContext.of(resources);
        for (DataplaneResource dp : resources.dataplanes()) {
          Path file = dir.resolve(dp.getName() + ".mtls-inbounds.json");
          tests.add(
              DynamicTest.dynamicTest(
                  dir.getFileName() + "/" + file.getFileName(),
                  () -> GoldenCases.assertGolden(file, inbounds(mesh, dp))));
        }
      }
    }
    return tests.stream();
  }

  /** Each inbound's filters, as JSON: {@code {"<key> <flavour>": {...}, ...}}. */
  private static String inbounds(MeshContext mesh, DataplaneResource dp) throws Exception {
    PolicyHooks hooks = PolicyHooks.of(mesh, dp);
    List<String> out = new ArrayList<>();
    for (Inbound inbound : dp.getInbound()) {
      String key =
          inbound.getName() != null && !inbound.getName().isEmpty()
              ? inbound.getName()
              : Integer.toString(inbound.getPort());
      String service = inbound.getTags().get(KumaTags.SERVICE);
      String protocol = inbound.getTags().getOrDefault(KumaTags.PROTOCOL, "tcp");
      List<Filter> filters = new ArrayList<>();
      hooks.inboundNetworkFilters(key, new Place(service, protocol, false, true), filters);
      out.add(entry(key + " sidecar network filters", filtersJson(filters)));
      if (!protocol.equals("tcp")) {
        HttpConnectionManager.Builder hcm = hcm(service);
        hooks.inboundHttp(key, new Place(service, protocol, false, true), hcm);
        out.add(entry(key + " sidecar HTTP filters", print(hcm.build())));
      }
      if (protocol.equals("grpc")) {
        HttpConnectionManager.Builder hcm = hcm(service);
        hooks.inboundHttp(key, new Place(service, "grpc", true, true), hcm);
        out.add(entry(key + " proxyless gRPC server HTTP filters", print(hcm.build())));
      }
    }
    return "{\n  " + String.join(",\n  ", out) + "\n}\n";
  }

  private static HttpConnectionManager.Builder hcm(String service) {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix(service)
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName(ProxylessGrpcGenerator.ROUTER_FILTER)
                .setTypedConfig(Protos.pack(Router.getDefaultInstance())));
  }

  private static String entry(String name, String json) {
    return "\"" + name + "\": " + json.replace("\n", "\n  ");
  }

  private static String filtersJson(List<Filter> filters) throws InvalidProtocolBufferException {
    List<String> items = new ArrayList<>();
    for (Filter f : filters) {
      items.add(print(f).replace("\n", "\n  "));
    }
    return items.isEmpty() ? "[]" : "[\n  " + String.join(",\n  ", items) + "\n]";
  }

  private static String print(Message m) throws InvalidProtocolBufferException {
    return JsonFormat.printer().usingTypeRegistry(GoldenCases.REGISTRY).print(m);
  }
}
