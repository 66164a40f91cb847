package dev.chronomesh.events.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition 0 of the compacted schema topic: created when missing, written with {@code acks=all}
 * and idempotence, read from its beginning by an assigned (group-less) consumer.
 */
final class KafkaRegistryLog implements RegistryLog {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRegistryLog.class);

  private final String topic;
  private final TopicPartition partition;
  private final Duration timeout;
  private final Admin admin;
  private final KafkaProducer<String, String> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;

  private KafkaRegistryLog(
      String topic,
      Duration timeout,
      Admin admin,
      KafkaProducer<String, String> producer,
      KafkaConsumer<byte[], byte[]> consumer) {
    this.topic = topic;
    this.partition = new TopicPartition(topic, 0);
    this.timeout = timeout;
    this.admin = admin;
    this.producer = producer;
    this.consumer = consumer;
  }

  /** Creates the topic when missing and opens the clients; the caller closes the result. */
  static KafkaRegistryLog open(
      Map<String, Object> kafkaProperties, String topic, Duration timeout) {
    Map<String, Object> common = new HashMap<>(kafkaProperties);
    common.remove(ConsumerConfig.GROUP_ID_CONFIG);
    common.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    Admin admin = null;
    KafkaProducer<String, String> producer = null;
    KafkaConsumer<byte[], byte[]> consumer = null;
    try {
      admin = Admin.create(common);
      ensureTopic(admin, topic, timeout);

      Map<String, Object> producerProps = new HashMap<>(common);
      producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
      producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
      producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());

      Map<String, Object> consumerProps = new HashMap<>(common);
      consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumer =
          new KafkaConsumer<>(
              consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      KafkaRegistryLog log = new KafkaRegistryLog(topic, timeout, admin, producer, consumer);
      consumer.assign(List.of(log.partition));
      consumer.seekToBeginning(List.of(log.partition));
      return log;
    } catch (RuntimeException e) {
      closeQuietly(consumer);
      closeQuietly(producer);
      closeQuietly(admin);
      if (e instanceof SchemaRegistryException) {
        throw e;
      }
      throw new SchemaRegistryException(
          "cannot open schema topic " + topic + ": " + e.getMessage(), e);
    }
  }

  private static void ensureTopic(Admin admin, String topic, Duration timeout) {
    long ms = timeout.toMillis();
    try {
      if (admin.listTopics().names().get(ms, TimeUnit.MILLISECONDS).contains(topic)) {
        TopicDescription description =
            admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get(ms, TimeUnit.MILLISECONDS)
                .get(topic);
        if (description != null && description.partitions().size() != 1) {
          LOG.warn(
              "Schema topic has more than one partition; only partition 0 is used topic={}"
                  + " partitions={}",
              topic,
              description.partitions().size());
        }
        return;
      }
      int brokers = admin.describeCluster().nodes().get(ms, TimeUnit.MILLISECONDS).size();
      short replication = (short) Math.max(1, Math.min(3, brokers));
      NewTopic newTopic =
          new NewTopic(topic, 1, replication)
              .configs(
                  Map.of(
                      "cleanup.policy",
                      "compact",
                      "min.insync.replicas",
                      Integer.toString(Math.min(2, replication))));
      try {
        admin.createTopics(List.of(newTopic)).all().get(ms, TimeUnit.MILLISECONDS);
        LOG.info("Created schema topic topic={} replication={}", topic, replication);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException e) {
      throw new SchemaRegistryException(
          "cannot create schema topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new SchemaRegistryException(
          50002, "timed out after " + timeout + " creating schema topic " + topic);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while creating schema topic " + topic, e);
    }
  }

  @Override
  public long append(String key, String value) {
    try {
      return producer
          .send(new ProducerRecord<>(topic, 0, key, value))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .offset();
    } catch (ExecutionException e) {
      throw new SchemaRegistryException(
          "cannot write to schema topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new SchemaRegistryException(
          50002, "timed out after " + timeout + " writing to schema topic " + topic);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while writing to schema topic " + topic, e);
    } catch (KafkaException e) {
      throw new SchemaRegistryException(
          "cannot write to schema topic " + topic + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long endOffset() {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        try {
          return admin
              .listOffsets(Map.of(partition, OffsetSpec.latest()))
              .partitionResult(partition)
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .offset();
        } catch (ExecutionException e) {
          // A topic just created on a multi-broker cluster is not in every broker's metadata
          // at once: retry retriable errors until the deadline.
          if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
            throw e;
          }
          LOG.debug("Retrying end offset topic={}: {}", topic, e.getCause().toString());
          Thread.sleep(100);
        }
      }
    } catch (ExecutionException e) {
      throw new SchemaRegistryException(
          "cannot read the end of schema topic " + topic + ": " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new SchemaRegistryException(
          50002, "timed out after " + timeout + " reading the end of schema topic " + topic);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while reading schema topic " + topic, e);
    }
  }

  @Override
  public List<Entry> poll(Duration wait) {
    List<Entry> out = new ArrayList<>();
    try {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
        out.add(new Entry(r.offset(), r.key(), r.value()));
      }
    } catch (WakeupException e) {
      // close() or a caller asked the reader to look at its state again
    }
    return out;
  }

  @Override
  public long position() {
    try {
      return consumer.position(partition, timeout);
    } catch (WakeupException e) {
      return -1;
    }
  }

  @Override
  public void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    closeQuietly(producer);
    closeQuietly(admin);
    closeQuietly(consumer);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.debug("Ignoring error while closing {}", closeable.getClass().getSimpleName(), e);
    }
  }
}
