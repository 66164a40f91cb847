package dev.chronomesh.projector;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Skips an input record that cannot be deserialized, logging where it is, so one bad record does
 * not stop the projection. Public only because Kafka Streams instantiates it by class name.
 *
 * <p>A dead-letter topic for such records is a later issue; until then the log line (topic,
 * partition, offset) is the only trace.
 */
public final class LogAndSkipDeserializationHandler implements DeserializationExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(LogAndSkipDeserializationHandler.class);

  public LogAndSkipDeserializationHandler() {}

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    LOG.warn(
        "Skipping undeserializable record topic={} partition={} offset={} processor={}",
        context.topic(),
        context.partition(),
        context.offset(),
        context.processorNodeId(),
        exception);
    return Response.resume();
  }

  @Override
  public void configure(Map<String, ?> configs) {}
}
