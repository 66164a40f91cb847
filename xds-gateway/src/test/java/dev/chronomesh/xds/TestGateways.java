package dev.chronomesh.xds;

import dev.chronomesh.events.TopicSetup;
import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.SchemaRegistry;
import dev.chronomesh.kafka.EmbeddedKafka;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** What the gateway's broker tests share: topics of their own on one broker, gateways on it. */
final class TestGateways {
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private TestGateways() {}

  /** Fresh topics (2 partitions each) named {@code <name><n>.*}, created on the broker. */
  static Topics newTopics(EmbeddedKafka kafka, String name) {
    Topics topics = new Topics(name + PREFIXES.incrementAndGet() + ".");
    TopicSetup.ensureTopics(
        Map.of("bootstrap.servers", kafka.bootstrapServers()), topics, 2, (short) 1);
    return topics;
  }

  /** A gateway on a free loopback port with the default options, reading {@code topics}. */
  static XdsGateway start(EmbeddedKafka kafka, Topics topics, SchemaRegistry registry) {
    return XdsGateway.start(
        new XdsGatewayConfig(
            "127.0.0.1",
            0,
            Map.of("bootstrap.servers", kafka.bootstrapServers()),
            topics,
            registry));
  }
}
