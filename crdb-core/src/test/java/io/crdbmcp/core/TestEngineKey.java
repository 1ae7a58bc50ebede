package io.crdbmcp.core;

/**
 * An {@link EngineKey} for tests that build the engine's services without a {@link Crdb} (as {@code
 * SqlExecutorTest} does). Test code only: crdb-core's pom leaves it out of the test-jar, so no
 * other module gets a way to make keys.
 */
public final class TestEngineKey {
  private TestEngineKey() {}

  public static EngineKey create() {
    return new EngineKey();
  }
}
