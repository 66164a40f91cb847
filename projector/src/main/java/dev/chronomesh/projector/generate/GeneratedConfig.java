package dev.chronomesh.projector.generate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One proxy's generated config: every resource except ClusterLoadAssignments, sorted by {@link
 * GeneratedResource#ORDER}, and the EDS clusters it uses with the endpoints each one selects
 * (sorted by cluster name). The load assignments themselves are shared per cluster ({@link
 * MeshContext#loadAssignment}), so an endpoint change touches no proxy config.
 */
public record GeneratedConfig(
    List<GeneratedResource> resources, SortedMap<String, EndpointSelector> edsClusters) {
  public GeneratedConfig {
    List<GeneratedResource> sorted =
        new ArrayList<>(Objects.requireNonNull(resources, "resources"));
    sorted.sort(GeneratedResource.ORDER);
    resources = List.copyOf(sorted);
    edsClusters =
        Collections.unmodifiableSortedMap(
            new TreeMap<>(Objects.requireNonNull(edsClusters, "edsClusters")));
  }
}
