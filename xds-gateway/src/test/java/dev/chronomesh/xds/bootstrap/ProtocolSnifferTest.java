package dev.chronomesh.xds.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.xds.bootstrap.ProtocolSniffer.Route;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/** Real ClientHellos from the JDK's TLS engine, and both plaintext openings. */
class ProtocolSnifferTest {
  @Test
  void aClientHelloOfferingH2IsGrpc() throws Exception {
    assertThat(classify(clientHello("h2", "http/1.1"))).hasValue(Route.GRPC);
    assertThat(classify(clientHello("http/1.1", "h2"))).hasValue(Route.GRPC);
  }

  @Test
  void aClientHelloWithoutH2IsHttp() throws Exception {
    // kuma-dp's Go client (a custom TLS config, no HTTP/2) offers no ALPN at all.
    assertThat(classify(clientHello())).hasValue(Route.HTTP);
    assertThat(classify(clientHello("http/1.1"))).hasValue(Route.HTTP);
    assertThat(classify(clientHello("h2c", "h3"))).hasValue(Route.HTTP);
  }

  @Test
  void aPartialClientHelloNeedsMoreBytes() throws Exception {
    byte[] hello = clientHello("h2");
    for (int length : new int[] {1, 4, 5, hello.length - 1}) {
      assertThat(ProtocolSniffer.classify(hello, length)).as("%d bytes", length).isEmpty();
    }
  }

  @Test
  void plaintextHttp2PrefaceIsGrpcAndAnythingElseHttp() {
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(classify(preface)).hasValue(Route.GRPC);
    assertThat(ProtocolSniffer.classify(preface, 8)).isEmpty();
    assertThat(classify("POST /bootstrap HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)))
        .hasValue(Route.HTTP);
    assertThat(classify("P".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    assertThat(ProtocolSniffer.classify(new byte[10], 0)).isEmpty();
  }

  @Test
  void garbageAfterATlsHeaderIsHttp() {
    byte[] junk = new byte[64];
    junk[0] = 0x16;
    junk[3] = 0;
    junk[4] = 59;
    assertThat(classify(junk)).hasValue(Route.HTTP);
    byte[] huge = {0x16, 3, 1, (byte) 0xff, (byte) 0xff};
    assertThat(classify(huge)).hasValue(Route.HTTP);
  }

  private static Optional<Route> classify(byte[] data) {
    return ProtocolSniffer.classify(Arrays.copyOf(data, data.length + 16), data.length);
  }

  private static byte[] clientHello(String... alpn) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, null, null);
    SSLEngine engine = context.createSSLEngine("localhost", 443);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setApplicationProtocols(alpn);
    engine.setSSLParameters(parameters);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] hello = new byte[out.remaining()];
    out.get(hello);
    return hello;
  }
}
