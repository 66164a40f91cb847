package dev.chronomesh.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {
  @TempDir Path dir;

  @Test
  void secondInstanceOnTheSameDataDirectoryIsRefusedUntilTheFirstStops() throws Exception {
    DataDirLock first = DataDirLock.acquire(dir);
    assertThat(Files.readString(dir.resolve(".lock")))
        .isEqualTo(Long.toString(ProcessHandle.current().pid()));

    assertThatThrownBy(() -> DataDirLock.acquire(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("in use by another Chronomesh")
        .hasMessageContaining("pid " + ProcessHandle.current().pid());

    first.close();
    DataDirLock.acquire(dir).close();
  }
}
