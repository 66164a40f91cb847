package dev.chronomesh.benchmarks.harness;

import dev.chronomesh.events.Keys;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's mesh: {@code services} services of {@code perService} sidecar dataplanes each;
 * every dataplane of service {@code i} has outbounds to the next {@code fanOut} services (mod the
 * count), as Kuma universal dataplanes list their outbounds. Addresses are in 10.0.0.0/8 and are
 * never dialled: no traffic is sent, only configuration.
 */
record BenchMesh(String mesh, int services, int perService, int fanOut) {
  BenchMesh {
    List<String> problems = new ArrayList<>();
    if (services < 2) {
      problems.add("services: at least 2, was " + services);
    }
    if (perService < 1 || perService > 250) {
      problems.add("dataplanes per service: 1 to 250, was " + perService);
    }
    if (fanOut < 1 || fanOut >= services) {
      problems.add("fan-out: 1 to services - 1, was " + fanOut);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  int dataplanes() {
    return services * perService;
  }

  static String service(int s) {
    return "svc-" + s;
  }

  /** The {@code k}-th dataplane in the order proxies connect: round robin over services. */
  int serviceOf(int k) {
    return k % services;
  }

  String dataplaneName(int k) {
    return service(serviceOf(k)) + "-" + (k / services);
  }

  String nodeId(int k) {
    return Keys.proxy(mesh, dataplaneName(k));
  }

  /** The services whose dataplanes have an outbound to {@code target}. */
  List<Integer> readersOf(int target) {
    List<Integer> out = new ArrayList<>();
    for (int k = 1; k <= fanOut; k++) {
      out.add(Math.floorMod(target - k, services));
    }
    return out;
  }

  /** The services dataplanes of {@code s} call. */
  List<Integer> outboundsOf(int s) {
    List<Integer> out = new ArrayList<>();
    for (int k = 1; k <= fanOut; k++) {
      out.add((s + k) % services);
    }
    return out;
  }

  /**
   * The mesh, without Kuma's default policies: the scenarios add the policies they measure, and the
   * results stay comparable with those measured before a new mesh had defaults.
   */
  String meshYaml() {
    return "type: Mesh\nname: " + mesh + "\nskipCreatingInitialPolicies: ['*']\n";
  }

  String meshPath() {
    return "/meshes/" + mesh;
  }

  String dataplanePath(String name) {
    return meshPath() + "/dataplanes/" + name;
  }

  String dataplaneYaml(int k) {
    int s = serviceOf(k);
    int j = k / services;
    return dataplaneYaml(dataplaneName(k), s, "10." + (s / 250) + "." + (s % 250) + "." + (j + 1));
  }

  /** A dataplane of service {@code s} at {@code address}, with the service's outbounds. */
  String dataplaneYaml(String name, int s, String address) {
    StringBuilder y = new StringBuilder();
    y.append("type: Dataplane\nmesh: ")
        .append(mesh)
        .append("\nname: ")
        .append(name)
        .append("\nnetworking:\n  address: ")
        .append(address)
        .append("\n  inbound:\n    - port: 8080\n      tags:\n        kuma.io/service: ")
        .append(service(s))
        .append("\n        kuma.io/protocol: http\n  outbound:\n");
    int port = 10001;
    for (int target : outboundsOf(s)) {
      y.append("    - port: ")
          .append(port++)
          .append("\n      tags:\n        kuma.io/service: ")
          .append(service(target))
          .append('\n');
    }
    return y.toString();
  }

  String timeoutPath(String name) {
    return meshPath() + "/meshtimeouts/" + name;
  }

  /** A MeshTimeout for every proxy's outbound to {@code target}. */
  String serviceTimeoutYaml(String name, int target, int connectSeconds) {
    return timeoutYaml(name, "{kind: MeshService, name: " + service(target) + "}", connectSeconds);
  }

  /** A MeshTimeout for every outbound of every proxy in the mesh. */
  String meshTimeoutYaml(String name, int connectSeconds) {
    return timeoutYaml(name, "{kind: Mesh}", connectSeconds);
  }

  private String timeoutYaml(String name, String to, int connectSeconds) {
    return "type: MeshTimeout\nmesh: "
        + mesh
        + "\nname: "
        + name
        + "\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: "
        + to
        + "\n      default:\n        connectionTimeout: "
        + connectSeconds
        + "s\n";
  }
}
