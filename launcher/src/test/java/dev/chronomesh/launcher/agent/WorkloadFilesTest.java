package dev.chronomesh.launcher.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadFilesTest {
  @TempDir Path dir;

  @Test
  void aRenewalSwitchesAllThreeFilesThroughOneLinkAndLeavesOneVersion() throws Exception {
    WorkloadFiles.write(dir, "key-1", "cert-1", "ca-1");
    Path first = dir.resolve(Files.readSymbolicLink(dir.resolve(WorkloadFiles.DATA)));

    WorkloadFiles.write(dir, "key-2", "cert-2", "ca-2");

    assertThat(Files.readString(dir.resolve(WorkloadFiles.KEY))).isEqualTo("key-2");
    assertThat(Files.readString(dir.resolve(WorkloadFiles.CERT))).isEqualTo("cert-2");
    assertThat(Files.readString(dir.resolve(WorkloadFiles.CA))).isEqualTo("ca-2");
    for (String name : new String[] {WorkloadFiles.KEY, WorkloadFiles.CERT, WorkloadFiles.CA}) {
      assertThat(Files.readSymbolicLink(dir.resolve(name)))
          .isEqualTo(Path.of(WorkloadFiles.DATA, name));
    }
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve(WorkloadFiles.KEY))))
        .isEqualTo("rw-------");
    assertThat(first).doesNotExist();
    try (Stream<Path> entries = Files.list(dir)) {
      // The three links, ..data and the one version it points to; no temporary link.
      assertThat(entries.map(p -> p.getFileName().toString()).toList())
          .hasSize(5)
          .contains(WorkloadFiles.DATA, WorkloadFiles.KEY, WorkloadFiles.CERT, WorkloadFiles.CA)
          .noneMatch(n -> n.endsWith(".tmp"));
    }
  }
}
