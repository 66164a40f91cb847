package dev.chronomesh.projector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.events.Keys;
import dev.chronomesh.events.avro.EventRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The work the task has accepted but not done, in the {@code dirty-proxies} store and its in-memory
 * mirror: the proxies the open coalescing window has dirtied, each with the events that dirtied it,
 * and the marker of an open catch-up batch. Every change is written to the store before the
 * processor returns, so Kafka Streams may commit the events' offsets mid-window: a task restarted
 * from what it committed finds the same dirty proxies (and the marker, whose batch's proxies it
 * does not know, so it regenerates everything).
 *
 * <p>Values are JSON {@code {"window": w, "causes": [{"partition", "offset", "occurredAt"}]}}, keys
 * {@code <mesh>/<proxy>} and {@link #CATCH_UP_KEY}.
 */
final class DirtyProxies {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The store key of an open catch-up batch (a proxy's key always has a '/'). */
  static final String CATCH_UP_KEY = "catch-up";

  /** Regenerates one proxy of a window; true when its config record was sent. */
  interface Regenerator {
    boolean regenerate(String mesh, String proxy, List<EventRef> causes);
  }

  private final KeyValueStore<String, String> store;

  /** mesh → proxy → the events of the open window that marked it dirty (mirrors the store). */
  private final SortedMap<String, SortedMap<String, List<EventRef>>> dirty = new TreeMap<>();

  /** The event-time window the dirty proxies belong to; meaningless while none is dirty. */
  private long openWindow;

  /** The causes of a catch-up batch found open at start; null when none was. */
  private List<EventRef> interruptedCatchUp;

  /** Reads what a previous run of the task left in {@code store}. */
  DirtyProxies(KeyValueStore<String, String> store) {
    this.store = store;
    try (KeyValueIterator<String, String> it = store.all()) {
      it.forEachRemaining(
          kv -> {
            JsonNode node = readJson(kv.value);
            openWindow = Math.max(openWindow, node.path("window").asLong());
            List<EventRef> causes = new ArrayList<>();
            node.path("causes")
                .forEach(
                    c ->
                        causes.add(
                            new EventRef(
                                c.path("partition").asInt(),
                                c.path("offset").asLong(),
                                Instant.ofEpochMilli(c.path("occurredAt").asLong()))));
            if (kv.key.equals(CATCH_UP_KEY)) {
              interruptedCatchUp = causes;
              return;
            }
            Keys.MeshAnd key = ProjectorTopology.meshScoped(kv.key);
            dirty.computeIfAbsent(key.mesh(), m -> new TreeMap<>()).put(key.rest(), causes);
          });
    }
  }

  long openWindow() {
    return openWindow;
  }

  /** Moves the open window forward to {@code window} (never back). */
  void openWindow(long window) {
    openWindow = Math.max(openWindow, window);
  }

  /** Marks {@code proxies} of {@code mesh} dirty in the open window, adding their causes. */
  void mark(String mesh, Map<String, List<EventRef>> proxies) {
    if (proxies.isEmpty()) {
      return;
    }
    SortedMap<String, List<EventRef>> byProxy = dirty.computeIfAbsent(mesh, m -> new TreeMap<>());
    proxies.forEach(
        (proxy, added) -> {
          List<EventRef> causes = byProxy.computeIfAbsent(proxy, p -> new ArrayList<>());
          causes.addAll(added);
          store.put(Keys.meshScoped(mesh, proxy), json(openWindow, causes));
        });
  }

  /** How many meshes have dirty proxies. */
  int meshes() {
    return dirty.size();
  }

  /** What a {@link #drain} did: proxies regenerated, and how many of them sent a record. */
  record Drained(int regenerated, int sent) {}

  /** Regenerates up to {@code limit} dirty proxies (in mesh and proxy order) and removes them. */
  Drained drain(int limit, Regenerator regenerator) {
    int regenerated = 0;
    int sent = 0;
    var meshes = dirty.entrySet().iterator();
    while (meshes.hasNext() && regenerated < limit) {
      var meshEntry = meshes.next();
      String mesh = meshEntry.getKey();
      var proxies = meshEntry.getValue().entrySet().iterator();
      while (proxies.hasNext() && regenerated < limit) {
        var proxyEntry = proxies.next();
        regenerated++;
        if (regenerator.regenerate(mesh, proxyEntry.getKey(), proxyEntry.getValue())) {
          sent++;
        }
        store.delete(Keys.meshScoped(mesh, proxyEntry.getKey()));
        proxies.remove();
      }
      if (meshEntry.getValue().isEmpty()) {
        meshes.remove();
      }
    }
    return new Drained(regenerated, sent);
  }

  /** Records that a catch-up batch opened with {@code first}, in the open window. */
  void catchUpOpened(EventRef first) {
    store.put(CATCH_UP_KEY, json(openWindow, List.of(first)));
  }

  /** Records that the open catch-up batch was flushed. */
  void catchUpClosed() {
    store.delete(CATCH_UP_KEY);
  }

  /**
   * The causes of the catch-up batch that was open when the task last stopped, once: null when none
   * was, or when it was already taken.
   */
  List<EventRef> takeInterruptedCatchUp() {
    List<EventRef> causes = interruptedCatchUp;
    interruptedCatchUp = null;
    return causes;
  }

  private static String json(long window, List<EventRef> causes) {
    ObjectNode root = JSON.createObjectNode();
    root.put("window", window);
    ArrayNode list = root.putArray("causes");
    for (EventRef c : causes) {
      list.addObject()
          .put("partition", c.getPartition())
          .put("offset", c.getOffset())
          .put("occurredAt", c.getOccurredAt().toEpochMilli());
    }
    return root.toString();
  }

  private static JsonNode readJson(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable store value: " + json, e);
    }
  }
}
