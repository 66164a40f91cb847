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
        .isInstanceOf(StartRefusedException.class)
        .hasMessage(
            "the data directory "
                + dir
                + " is in use by another Chronomesh (pid "
                + ProcessHandle.current().pid()
                + "); stop it or pass --data-dir DIR");

    first.close();
    DataDirLock.acquire(dir).close();
  }
}
