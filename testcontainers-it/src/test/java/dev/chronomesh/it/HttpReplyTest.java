package dev.chronomesh.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Responses as the Docker tests read them off a raw connection, checked without Docker. */
class HttpReplyTest {
  @Test
  void readsAResponseWithALength() {
    EnvoySidecar.HttpReply reply =
        EnvoySidecar.HttpReply.parse(
            "HTTP/1.1 403 Forbidden\r\ncontent-length: 19\r\n\r\nRBAC: access denied", "");
    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.body()).isEqualTo("RBAC: access denied");
  }

  @Test
  void joinsTheChunksOfAChunkedBody() {
    EnvoySidecar.HttpReply reply =
        EnvoySidecar.HttpReply.parse(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "11\r\ncluster.a.ssl.han\r\n"
                + "e;ext=1\r\ndshake: 3\nb: 4\r\n"
                + "0\r\n\r\n",
            "");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("cluster.a.ssl.handshake: 3\nb: 4");
  }

  @Test
  void noResponseIsStatusMinusOneWithWhy() {
    EnvoySidecar.HttpReply reply =
        EnvoySidecar.HttpReply.parse("", "bash: connect: Connection refused");
    assertThat(reply.status()).isEqualTo(-1);
    assertThat(reply.error()).contains("Connection refused");
  }
}
