package dev.chronomesh.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Chronomesh's topics when they are missing, with their cleanup policies. Partition count
 * and replication are settings: the embedded default is one broker, production an existing cluster.
 */
public final class TopicSetup {
  private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

  private TopicSetup() {}

  /**
   * Ensures the events, proxy-configs, endpoints, commands, command-results, proxy-status and
   * dead-letters topics exist (the schema registry creates its own).
   *
   * @param adminProperties Kafka client properties (bootstrap.servers and any security settings)
   * @param partitions partitions of events, proxy-configs, endpoints, commands, command-results and
   *     proxy-status
   * @param replication replication factor; min.insync.replicas is min(2, replication)
   */
  public static void ensureTopics(
      Map<String, Object> adminProperties, Topics topics, int partitions, short replication) {
    String minIsr = Integer.toString(Math.min(2, replication));
    List<NewTopic> wanted =
        List.of(
            new NewTopic(topics.events(), partitions, replication)
                .configs(
                    Map.of(
                        "cleanup.policy", "delete",
                        "retention.ms", "-1",
                        "retention.bytes", "-1",
                        "min.insync.replicas", minIsr)),
            new NewTopic(topics.proxyConfigs(), partitions, replication)
                .configs(Map.of("cleanup.policy", "compact", "min.insync.replicas", minIsr)),
            new NewTopic(topics.endpoints(), partitions, replication)
                .configs(Map.of("cleanup.policy", "compact", "min.insync.replicas", minIsr)),
            // Commands and their outcomes are wishes and answers, not facts: kept a short while.
            new NewTopic(topics.commands(), partitions, replication)
                .configs(
                    Map.of(
                        "cleanup.policy",
                        "delete",
                        "retention.ms",
                        Long.toString(Duration.ofDays(7).toMillis()),
                        "min.insync.replicas",
                        minIsr)),
            new NewTopic(topics.commandResults(), partitions, replication)
                .configs(
                    Map.of(
                        "cleanup.policy",
                        "delete",
                        "retention.ms",
                        Long.toString(Duration.ofDays(1).toMillis()),
                        "min.insync.replicas",
                        minIsr)),
            // Proxy status is observation, not fact: the last events per proxy, for a week.
            new NewTopic(topics.proxyStatus(), partitions, replication)
                .configs(
                    Map.of(
                        "cleanup.policy",
                        "compact,delete",
                        "retention.ms",
                        Long.toString(Duration.ofDays(7).toMillis()),
                        "min.insync.replicas",
                        minIsr)),
            new NewTopic(topics.deadLetters(), 1, replication)
                .configs(
                    Map.of(
                        "cleanup.policy",
                        "delete",
                        "retention.ms",
                        Long.toString(Duration.ofDays(30).toMillis()),
                        "min.insync.replicas",
                        minIsr)));
    try (Admin admin = Admin.create(adminProperties)) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (NewTopic t : wanted) {
        if (!existing.contains(t.name())) {
          missing.add(t);
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      try {
        admin.createTopics(missing).all().get();
        LOG.info(
            "Created topics={} partitions={} replication={}", missing, partitions, replication);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics: " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * Waits until every partition of the new topics has a leader as seen by a client: on a
   * multi-broker cluster a topic reaches the brokers' metadata a moment after it is created.
   */
  private static void awaitLeaders(Admin admin, List<String> names)
      throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        boolean ready =
            admin.describeTopics(names).allTopicNames().get().values().stream()
                .flatMap(d -> d.partitions().stream())
                .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        if (ready) {
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics have no leaders after 30s: " + names);
      }
      Thread.sleep(100);
    }
  }
}
