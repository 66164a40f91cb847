package dev.chronomesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyEncryptionKeyTest {
  @TempDir Path dir;

  @Test
  void firstStartCreatesAnOwnerOnlyKeyThatLaterStartsReuse() throws Exception {
    Path file = dir.resolve("kek");

    byte[] first = KeyEncryptionKey.loadOrCreate(file);

    assertThat(first).hasSize(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(KeyEncryptionKey.loadOrCreate(file)).isEqualTo(first);
    assertThat(KeyEncryptionKey.fromFileOrEnv(file)).isEqualTo(first);
  }

  @Test
  void refusesAKeyThatIsNotBase64OrNot32Bytes() throws Exception {
    Path notBase64 = Files.writeString(dir.resolve("a"), "not base64 !!");
    Path tooShort = Files.writeString(dir.resolve("b"), "AAAA");

    assertThatThrownBy(() -> KeyEncryptionKey.fromFileOrEnv(notBase64))
        .hasMessageContaining("not base64");
    assertThatThrownBy(() -> KeyEncryptionKey.fromFileOrEnv(tooShort))
        .hasMessageContaining("must be 32 bytes");
  }
}
