package dev.chronomesh.it;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.xds.XdsCredentialsProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * How the proxyless clients of these tests present their dataplane token, as the README tells a
 * grpc-java user to: grpc-java 1.85 ignores {@code call_creds} on {@code xds_servers}, so this
 * provider (registered in {@code META-INF/services/io.grpc.xds.XdsCredentialsProvider}) adds the
 * {@code channel_creds} type {@value #NAME}, a plaintext channel whose every call (the ADS stream
 * included) carries {@code authorization: Bearer <the token file's content>}, read per call.
 *
 * <pre>{"type": "chronomesh_dataplane_token", "config": {"token_file": "/path/to/token"}}</pre>
 */
public final class DataplaneTokenXdsCredentialsProvider extends XdsCredentialsProvider {
  static final String NAME = dev.chronomesh.launcher.agent.XdsBootstrap.TOKEN_CREDENTIALS;

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
    Object file = config == null ? null : config.get("token_file");
    if (!(file instanceof String path) || path.isBlank()) {
      return null; // grpc refuses the bootstrap: config.token_file is required
    }
    return CompositeChannelCredentials.create(
        InsecureChannelCredentials.create(), new TokenFile(Path.of(path)));
  }

  @Override
  protected String getName() {
    return NAME;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int priority() {
    return 5;
  }

  private static final class TokenFile extends CallCredentials {
    private final Path path;

    TokenFile(Path path) {
      this.path = path;
    }

    @Override
    public void applyRequestMetadata(
        RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
      appExecutor.execute(
          () -> {
            try {
              Metadata headers = new Metadata();
              headers.put(
                  AUTHORIZATION,
                  "Bearer " + Files.readString(path, StandardCharsets.US_ASCII).strip());
              applier.apply(headers);
            } catch (IOException | RuntimeException e) {
              applier.fail(
                  Status.UNAUTHENTICATED
                      .withDescription("cannot read the dataplane token file " + path)
                      .withCause(e));
            }
          });
    }
  }
}
