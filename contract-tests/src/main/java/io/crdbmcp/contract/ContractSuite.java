package io.crdbmcp.contract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of every contract suite. A suite is an abstract JUnit 5 class; a transport module runs it by
 * subclassing it (one small concrete {@code *IT} class per suite) and returning its {@link
 * ServerFactory} from {@link #servers()}.
 *
 * <p>One test instance per class ({@link TestInstance.Lifecycle#PER_CLASS}), so {@code @BeforeAll}
 * and {@code @AfterAll} are instance methods that can reach {@link #servers()}, and the servers and
 * databases a suite shares between its tests are plain fields.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ContractSuite {

  /** Where exports go unless a suite sets {@code CRDB_EXPORT_DIR} itself. */
  public static final Path DEFAULT_EXPORT_DIR =
      Path.of(System.getProperty("java.io.tmpdir"), "crdb-mcp-it-exports");

  private final List<ServerUnderTest> shared = new ArrayList<>();

  /** The transport under test. */
  protected abstract ServerFactory servers();

  /**
   * Starts a server that the suite's tests share (from {@code @BeforeAll}); it is closed after the
   * suite's last test, after the suite's own {@code @AfterAll}.
   */
  protected ServerUnderTest startSharedServer(Map<String, String> env) {
    ServerUnderTest s = startServer(env);
    shared.add(s);
    return s;
  }

  @AfterAll
  void closeSharedServers() {
    for (ServerUnderTest s : shared) {
      s.close();
    }
    shared.clear();
  }

  /**
   * Starts a server with these settings ({@code CRDB_EXPORT_DIR} defaults to {@link
   * #DEFAULT_EXPORT_DIR}).
   */
  protected ServerUnderTest startServer(Map<String, String> env) {
    return startServer(env, StartOptions.defaults());
  }

  /** Starts a server with these settings and options. */
  protected ServerUnderTest startServer(Map<String, String> env, StartOptions options) {
    Map<String, String> e = new HashMap<>(env);
    e.putIfAbsent("CRDB_EXPORT_DIR", DEFAULT_EXPORT_DIR.toString());
    return servers().start(e, options);
  }
}
