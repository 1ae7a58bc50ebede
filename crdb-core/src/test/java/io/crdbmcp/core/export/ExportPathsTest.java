package io.crdbmcp.core.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportPathsTest {
  @TempDir Path tmp;

  private ExportPaths paths() {
    return new ExportPaths(tmp.resolve("exports"));
  }

  private static void refused(Runnable r, String fragment) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            CrdbException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
              assertThat(e.suggestion()).isNotBlank();
            })
        .hasMessageContaining(fragment);
  }

  @Test
  void resolvesAFileNameInsideTheDirectory() {
    ExportPaths.Target t = paths().resolve("rides.csv", false);
    assertThat(t.file()).isEqualTo(tmp.resolve("exports/rides.csv").toAbsolutePath());
    assertThat(t.temp().getParent()).isEqualTo(t.file().getParent());
    assertThat(t.temp().getFileName().toString())
        .startsWith(".rides.csv." + ProcessHandle.current().pid() + ".")
        .endsWith(".partial");
    assertThat(ExportPaths.tempOwner(t.temp().getFileName().toString()))
        .contains(ProcessHandle.current().pid());
  }

  @Test
  void createsParentDirectoriesInside() {
    ExportPaths.Target t = paths().resolve("reports/2024/./q1/rides.csv", false);
    assertThat(t.file()).isEqualTo(tmp.resolve("exports/reports/2024/q1/rides.csv"));
    assertThat(Files.isDirectory(t.file().getParent())).isTrue();
  }

  @Test
  void acceptsAnAbsolutePathInsideTheDirectory() {
    Path inside = tmp.resolve("exports/a/b.json").toAbsolutePath();
    assertThat(paths().resolve(inside.toString(), false).file()).isEqualTo(inside);
  }

  @Test
  void refusesEscapes() {
    ExportPaths p = paths();
    refused(() -> p.resolve("../x.csv", false), "'..'");
    refused(() -> p.resolve("a/../../x.csv", false), "'..'");
    refused(() -> p.resolve("/etc/passwd", false), "absolute path outside");
    refused(() -> p.resolve(tmp.resolve("exports/../x.csv").toString(), false), "absolute");
    refused(() -> p.resolve("", false), "empty");
    refused(() -> p.resolve(".", false), "inside the export directory");
    refused(() -> p.resolve("x.csv.partial", false), "reserved");
    assertThat(tmp.resolve("x.csv")).doesNotExist();
  }

  @Test
  void refusesSymbolicLinksLeadingOutside() throws Exception {
    ExportPaths p = paths();
    Path dir = Files.createDirectories(tmp.resolve("exports"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(dir.resolve("out"), outside);
    refused(() -> p.resolve("out/x.csv", false), "symbolic link");
    refused(() -> p.resolve("out/new/x.csv", false), "symbolic link");
    assertThat(outside.resolve("new")).doesNotExist();
    Files.createSymbolicLink(dir.resolve("link.csv"), outside.resolve("target.csv"));
    refused(() -> p.resolve("link.csv", true), "symbolic link");
  }

  @Test
  void allowsSymbolicLinksThatStayInside() throws Exception {
    ExportPaths p = paths();
    Path dir = Files.createDirectories(tmp.resolve("exports"));
    Files.createDirectories(dir.resolve("real"));
    Files.createSymbolicLink(dir.resolve("alias"), dir.resolve("real"));
    assertThat(p.resolve("alias/x.csv", false).file().getFileName().toString()).isEqualTo("x.csv");
  }

  @Test
  void refusesAnExistingFileUnlessOverwrite() throws Exception {
    ExportPaths p = paths();
    Path f = p.resolve("x.csv", false).file();
    Files.writeString(f, "old");
    assertThatThrownBy(() -> p.resolve("x.csv", false))
        .isInstanceOf(CrdbException.class)
        .hasMessageContaining("already exists");
    assertThat(p.resolve("x.csv", true).file()).isEqualTo(f);
  }

  @Test
  void publishesAtomicallyAndNeverClobbersWithoutOverwrite() throws Exception {
    ExportPaths p = paths();
    ExportPaths.Target t = p.resolve("x.csv", false);
    Files.writeString(t.temp(), "new");
    Files.writeString(t.file(), "appeared meanwhile");
    assertThatThrownBy(() -> ExportPaths.publish(t, false)).hasMessageContaining("appeared");
    assertThat(Files.readString(t.file())).isEqualTo("appeared meanwhile");
    ExportPaths.publish(t, true);
    assertThat(Files.readString(t.file())).isEqualTo("new");
    assertThat(t.temp()).doesNotExist();
  }

  @Test
  void cleansStaleTemporaryFilesOfDeadProcessesOnly() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("exports/sub"));
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    long deadPid = dead.pid();
    Path stale = dir.resolve(".x.csv." + deadPid + ".0badcafe.partial");
    Path mine = dir.resolve(".y.csv." + ProcessHandle.current().pid() + ".0badcafe.partial");
    Path unrelated = dir.resolve(".notes.partial");
    for (Path f : new Path[] {stale, mine, unrelated}) {
      Files.writeString(f, "x");
    }
    assertThat(paths().cleanStale()).isEqualTo(1);
    assertThat(stale).doesNotExist();
    assertThat(mine).exists();
    assertThat(unrelated).exists();
  }
}
