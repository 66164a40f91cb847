package dev.chronomesh.meshmodel;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.meshmodel.policy.ProxyView;
import java.util.ArrayList;
import java.util.List;

/** What the targetRef engine sees of a stored dataplane. */
public final class ProxyViews {
  private ProxyViews() {}

  /** The dataplane's mesh, name, labels and inbounds (with their names, when given). */
  public static ProxyView of(DataplaneResource dataplane) {
    List<ProxyView.Inbound> inbounds = new ArrayList<>(dataplane.getInbound().size());
    for (Inbound in : dataplane.getInbound()) {
      inbounds.add(new ProxyView.Inbound(in.getName(), in.getPort(), in.getTags()));
    }
    return new ProxyView(
        dataplane.getMesh(),
        dataplane.getName(),
        dataplane.getLabels(),
        inbounds,
        dataplane.getGateway() != null);
  }
}
