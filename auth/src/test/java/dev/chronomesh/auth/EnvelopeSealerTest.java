package dev.chronomesh.auth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chronomesh.events.avro.EncryptedData;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class EnvelopeSealerTest {
  private final EnvelopeSealer sealer = new EnvelopeSealer(EnvelopeSealer.newKek());

  @Test
  void sealsWithoutTheClearValueAndOpensIt() {
    EncryptedData sealed = sealer.seal("s3cr3t-value".getBytes(UTF_8));

    assertThat(new String(sealed.getCiphertext().array(), UTF_8)).doesNotContain("s3cr3t");
    assertThat(sealed.getKekId()).isEqualTo(sealer.kekId());
    assertThat(sealer.open(sealed)).isEqualTo("s3cr3t-value".getBytes(UTF_8));
  }

  @Test
  void everySealUsesAFreshDataKeyAndIv() {
    EncryptedData a = sealer.seal("same".getBytes(UTF_8));
    EncryptedData b = sealer.seal("same".getBytes(UTF_8));

    assertThat(a.getCiphertext()).isNotEqualTo(b.getCiphertext());
    assertThat(a.getWrappedKey()).isNotEqualTo(b.getWrappedKey());
  }

  @Test
  void refusesAnotherKeyOrAnAlteredValue() {
    EncryptedData sealed = sealer.seal("value".getBytes(UTF_8));
    EnvelopeSealer other = new EnvelopeSealer(EnvelopeSealer.newKek());
    assertThatThrownBy(() -> other.open(sealed)).isInstanceOf(IllegalStateException.class);

    byte[] altered = sealed.getCiphertext().array().clone();
    altered[0] ^= 1;
    EncryptedData tampered =
        EncryptedData.newBuilder(sealed).setCiphertext(ByteBuffer.wrap(altered)).build();
    assertThatThrownBy(() -> sealer.open(tampered)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rejectsAKeyOfTheWrongSize() {
    assertThatThrownBy(() -> new EnvelopeSealer(new byte[16])).hasMessageContaining("32 bytes");
  }
}
