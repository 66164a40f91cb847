package dev.chronomesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.Topics;
import dev.chronomesh.events.registry.InMemorySchemaRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

class XdsGatewayConfigTest {

  @Test
  void rejectsEveryBadSettingAtOnce() {
    assertThatThrownBy(() -> new XdsGatewayConfig(" ", 70000, Map.of(), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid xds-gateway config: host: must not be blank; port: must be between 0 and"
                + " 65535, was 70000; kafkaProperties.bootstrap.servers: required; topics: must"
                + " not be null; registry: must not be null");
  }

  @Test
  void copiesKafkaProperties() {
    Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", "127.0.0.1:9092"));
    XdsGatewayConfig config =
        new XdsGatewayConfig(
            "127.0.0.1",
            XdsGatewayConfig.DEFAULT_PORT,
            props,
            Topics.defaults(),
            new InMemorySchemaRegistry());
    props.put("security.protocol", "SSL");

    assertThat(config.kafkaProperties()).containsOnlyKeys("bootstrap.servers");
  }

  @Test
  void feedReadsCommittedRecordsWithoutAGroup() {
    Map<String, Object> props =
        ProxyConfigFeed.consumerProperties(
            Map.of(
                "bootstrap.servers", "127.0.0.1:9092",
                "group.id", "someone-elses",
                "isolation.level", "read_uncommitted",
                "security.protocol", "SSL"));

    assertThat(props)
        .doesNotContainKey("group.id")
        .containsEntry("isolation.level", "read_committed")
        .containsEntry("enable.auto.commit", false)
        .containsEntry("auto.offset.reset", "earliest")
        .containsEntry("value.deserializer", ByteArrayDeserializer.class)
        .containsEntry("security.protocol", "SSL");
  }
}
