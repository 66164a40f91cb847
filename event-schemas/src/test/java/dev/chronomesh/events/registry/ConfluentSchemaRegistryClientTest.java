package dev.chronomesh.events.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfluentSchemaRegistryClientTest {

  @Test
  void encodesSubjectsAsOnePathSegment() {
    assertThat(ConfluentSchemaRegistryClient.encode("a/b c+d%")).isEqualTo("a%2Fb%20c%2Bd%25");
  }

  @Test
  void rejectsBaseUrlsThatAreNotAbsoluteHttp() {
    assertThatThrownBy(() -> new ConfluentSchemaRegistryClient(URI.create("/relative")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConfluentSchemaRegistryClient(URI.create("ftp://h/x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConfluentSchemaRegistryClient(URI.create("http://h/x?q=1")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new ConfluentSchemaRegistryClient(
                    URI.create("http://h"), HttpClient.newHttpClient(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new ConfluentSchemaRegistryClient(URI.create("http://127.0.0.1:1/sr/")))
        .hasToString("ConfluentSchemaRegistryClient[http://127.0.0.1:1/sr]");
  }
}
