package dev.chronomesh.benchmarks;

import dev.chronomesh.events.KumaTags;
import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.EventKind;
import dev.chronomesh.events.avro.Inbound;
import dev.chronomesh.events.avro.InboundHealth;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.ResourceEvent;
import dev.chronomesh.meshmodel.MeshDelta;
import dev.chronomesh.meshmodel.MeshState;
import dev.chronomesh.meshmodel.ResourceType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Replaying one mesh's history through {@link MeshState}, event by event, as the command API's
 * view, the decider's dry runs and a rebuild do: its Mesh, then {@code events / 2} dataplanes
 * created (10 per service), then their inbounds turning unhealthy and healthy again in turn (the
 * endpoint churn of a long-lived mesh). The mesh grows to {@code events / 2} resources, so a replay
 * whose cost per event grows with the mesh shows up as a time per replay that grows faster than the
 * number of events (compare {@code events = 2000} with {@code 20000}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MeshStateReplayBenchmark {
  private static final String MESH = "bench";
  private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);

  /** Events in the history: the Mesh, then half of them creations, the rest health changes. */
  @Param({"2000", "20000"})
  public int events;

  private List<ResourceEvent> history;

  /** Builds the history and checks that replaying it leaves the dataplanes it created. */
  @Setup(Level.Trial)
  public void setUp() {
    history = history(events);
    MeshState state = evolveEachEvent();
    int dataplanes = state.list(ResourceType.DATAPLANE).size();
    if (dataplanes != events / 2 || !oneDelta().equals(state)) {
      throw new IllegalStateException("replay left " + dataplanes + " dataplanes");
    }
  }

  /** The whole history folded with {@link MeshState#evolve}, one event at a time. */
  @Benchmark
  public MeshState evolveEachEvent() {
    MeshState state = MeshState.empty(MESH);
    for (ResourceEvent event : history) {
      state = state.evolve(event);
    }
    return state;
  }

  /** The whole history as one {@link MeshDelta}, as the projector replays a catch-up batch. */
  @Benchmark
  public MeshState oneDelta() {
    MeshDelta delta = new MeshDelta(MeshState.empty(MESH));
    for (ResourceEvent event : history) {
      delta.replay(event);
    }
    return delta.apply();
  }

  static List<ResourceEvent> history(int events) {
    List<ResourceEvent> out = new ArrayList<>(events);
    out.add(event("Mesh", MESH, 1, out.size(), MeshResource.newBuilder().setName(MESH).build()));
    int created = events / 2;
    for (int d = 0; d < created; d++) {
      out.add(event("Dataplane", name(d), 1, out.size(), dataplane(d, true)));
    }
    for (int k = 0; out.size() < events; k++) {
      int d = k % created;
      int revision = 2 + k / created;
      out.add(event("Dataplane", name(d), revision, out.size(), dataplane(d, revision % 2 == 1)));
    }
    return out;
  }

  private static String name(int d) {
    return "svc-" + (d / 10) + "-" + (d % 10);
  }

  private static DataplaneResource dataplane(int d, boolean ready) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(KumaTags.SERVICE, "svc-" + (d / 10));
    tags.put(KumaTags.PROTOCOL, "http");
    return DataplaneResource.newBuilder()
        .setMesh(MESH)
        .setName(name(d))
        .setAddress("10." + (d / 65_536) + "." + (d / 256 % 256) + "." + (d % 256))
        .setInbound(
            List.of(
                Inbound.newBuilder()
                    .setPort(8080)
                    .setTags(tags)
                    .setHealth(InboundHealth.newBuilder().setReady(ready).build())
                    .build()))
        .build();
  }

  private static ResourceEvent event(
      String type, String name, long revision, int sequence, Object payload) {
    return ResourceEvent.newBuilder()
        .setEventId(MESH + "/" + type + "/" + name + "@" + revision)
        .setMesh(MESH)
        .setResourceType(type)
        .setName(name)
        .setRevision(revision)
        .setOccurredAt(T0.plusMillis(sequence))
        .setActor("bench")
        .setRequestId("r-" + sequence)
        .setKind(EventKind.UPSERTED)
        .setPayload(payload)
        .build();
  }
}
