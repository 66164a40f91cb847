package dev.chronomesh.xds.auth;

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
 * How a proxyless grpc-java client presents its dataplane token: grpc-java 1.85's xDS bootstrap has
 * no call credentials for {@code xds_servers} (it parses {@code call_creds} only for {@code
 * allowed_grpc_services}), but it looks {@code channel_creds} types up in a registry filled by
 * {@link java.util.ServiceLoader}. This provider (registered in {@code
 * META-INF/services/io.grpc.xds.XdsCredentialsProvider}) adds the type {@value #NAME}: a plaintext
 * channel whose every call, the ADS stream included, carries {@code authorization: Bearer <the
 * token file's content>}, read again per call so a rotated token is picked up.
 *
 * <pre>{"type": "chronomesh_dataplane_token", "config": {"token_file": "/path/to/token"}}</pre>
 *
 * <p>Plaintext for the loopback tests only; over a network compose with TLS credentials instead.
 */
public final class TokenFileXdsCredentialsProvider extends XdsCredentialsProvider {
  public static final String NAME = "chronomesh_dataplane_token";

  @Override
  protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
    Object file = config == null ? null : config.get("token_file");
    if (!(file instanceof String path) || path.isBlank()) {
      return null; // the bootstrap is refused: config.token_file is required
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
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
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
              String token = Files.readString(path, StandardCharsets.US_ASCII).strip();
              Metadata headers = new Metadata();
              headers.put(AUTHORIZATION, "Bearer " + token);
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
