package dev.chronomesh.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a test class only where Testcontainers finds a Docker engine; elsewhere disables it with the
 * reason {@code no Docker engine: <why>} and logs that line, so the build output says why the real
 * Envoy tests did not run (Testcontainers' own {@code disabledWithoutDocker} gives JUnit a reason
 * that Failsafe's console summary does not print).
 *
 * <p>Register it before {@code @Testcontainers(disabledWithoutDocker = true)}: JUnit reports the
 * first condition that disables a class.
 */
final class DockerEngine implements ExecutionCondition {
  private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);

  /** Why there is no engine, asked once per JVM (Testcontainers caches its answer too). */
  private static final class Missing {
    static final String WHY = whyMissing();
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String why = Missing.WHY;
    if (why == null) {
      return ConditionEvaluationResult.enabled("a Docker engine is available");
    }
    String reason = "no Docker engine: " + why;
    if (context.getTestMethod().isEmpty()) {
      LOG.warn("{} skipped: {}", context.getDisplayName(), reason);
    }
    return ConditionEvaluationResult.disabled(reason);
  }

  /** Null when Testcontainers reaches a Docker engine, else what it tried and what failed. */
  private static String whyMissing() {
    try {
      DockerClientFactory.instance().client();
      return null;
    } catch (RuntimeException e) {
      String dockerHost = System.getenv("DOCKER_HOST");
      Path socket = Path.of("/var/run/docker.sock");
      String tried =
          dockerHost != null && !dockerHost.isBlank()
              ? "DOCKER_HOST=" + dockerHost
              : "DOCKER_HOST unset, "
                  + socket
                  + (Files.exists(socket) ? " exists but did not answer" : " does not exist");
      return "Testcontainers found no working Docker environment ("
          + tried
          + "): "
          + rootMessage(e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
  }
}
