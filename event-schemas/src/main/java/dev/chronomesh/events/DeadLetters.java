package dev.chronomesh.events;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a record sent to the {@code dead-letters} topic, named as Kafka Streams names its
 * own ({@code __streams.errors.*}, KIP-1034), so one tool reads every dead letter: where the record
 * came from and why it could not be used.
 */
public final class DeadLetters {
  /** The prefix of every dead-letter header. */
  public static final String PREFIX = "__streams.errors.";

  public static final String TOPIC = PREFIX + "topic";
  public static final String PARTITION = PREFIX + "partition";
  public static final String OFFSET = PREFIX + "offset";
  public static final String EXCEPTION = PREFIX + "exception";
  public static final String MESSAGE = PREFIX + "message";

  private DeadLetters() {}

  /**
   * The headers of a dead letter.
   *
   * @param exception what went wrong: an exception's class name, or a word such as {@code
   *     InvalidEvent} for a record that decodes but breaks a rule
   */
  public static Headers headers(
      String topic, int partition, long offset, String exception, String message) {
    return headers(topic, Integer.toString(partition), Long.toString(offset), exception, message);
  }

  /** The headers of a dead letter whose origin may be unknown ({@code ?}). */
  public static Headers headers(
      String topic, String partition, String offset, String exception, String message) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(TOPIC, utf8(topic));
    headers.add(PARTITION, utf8(partition));
    headers.add(OFFSET, utf8(offset));
    headers.add(EXCEPTION, utf8(exception));
    headers.add(MESSAGE, utf8(message));
    return headers;
  }

  private static byte[] utf8(String value) {
    return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
  }
}
