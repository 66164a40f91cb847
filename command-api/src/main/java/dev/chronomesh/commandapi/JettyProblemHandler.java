package dev.chronomesh.commandapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's error handler for what it refuses before Javalin routes a request (unparseable or
 * ambiguous URIs, bad headers): the answer is problem+json like every other error, never HTML.
 */
final class JettyProblemHandler extends ErrorHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpField PROBLEM_TYPE =
      new HttpField(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(PROBLEM_TYPE);
    return ByteBuffer.wrap(body(status, reason, ""));
  }

  @Override
  protected void generateAcceptableResponse(
      Request baseRequest,
      HttpServletRequest request,
      HttpServletResponse response,
      int code,
      String message)
      throws IOException {
    baseRequest.setHandled(true);
    response.setContentType(Problems.CONTENT_TYPE);
    byte[] body = body(code, message, request.getRequestURI());
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  private static byte[] body(int status, String reason, String instance) {
    String detail =
        reason == null || reason.isBlank()
            ? Problems.title(status)
            : "the request was refused: " + reason;
    return Problems.body(JSON, status, detail, instance == null ? "" : instance, List.of())
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }
}
