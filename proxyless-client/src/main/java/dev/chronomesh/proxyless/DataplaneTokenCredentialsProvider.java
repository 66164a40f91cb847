package dev.chronomesh.proxyless;

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
 * How a proxyless grpc-java workload presents its dataplane token to the xDS gateway: grpc-java
 * 1.85 ignores {@code call_creds} on {@code xds_servers}, so this provider (registered in {@code
 * META-INF/services/io.grpc.xds.XdsCredentialsProvider}: having this jar on the classpath is
 * enough) adds the {@code channel_creds} type {@value #NAME}, a channel whose every call (the ADS
 * stream included) carries {@code authorization: Bearer <the token file's content>}, read per call
 * so a replaced token is picked up; TLS verified against {@code ca_certificate_file} (the
 * control-plane CA) when given, plaintext otherwise (a loopback gateway with {@code
 * --xds-plaintext}). {@code chronoctl generate grpc-bootstrap} and {@code dp-agent --bootstrap}
 * write this entry (built by the control plane's {@code ProxylessBootstrap}, which repeats the type
 * name: this jar depends on grpc-xds only). Maven: {@code dev.chronomesh:proxyless-client}, see
 * docs/connect-proxyless.md.
 *
 * <pre>{"type": "chronomesh_dataplane_token", "config": {"token_file": "/path/to/token",
 *   "ca_certificate_file": "/path/to/control-plane/ca.pem"}}</pre>
 */
public final class DataplaneTokenCredentialsProvider extends XdsCredentialsProvider {
  /** The {@code channel_creds} type. */
  public static final String NAME = "chronomesh_dataplane_token";

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
    Object file = config == null ? null : config.get("token_file");
    if (!(file instanceof String path) || path.isBlank()) {
      return null; // grpc refuses the bootstrap: config.token_file is required
    }
    // With config.ca_certificate_file: TLS verified against it (the control-plane CA).
    Object ca = config.get("ca_certificate_file");
    ChannelCredentials transport;
    if (ca instanceof String caPath && !caPath.isBlank()) {
      try {
        transport =
            io.grpc.TlsChannelCredentials.newBuilder()
                .trustManager(new java.io.File(caPath))
                .build();
      } catch (java.io.IOException e) {
        return null; // an unreadable CA: the bootstrap is refused
      }
    } else {
      transport = InsecureChannelCredentials.create();
    }
    return CompositeChannelCredentials.create(transport, new TokenFile(Path.of(path)));
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
