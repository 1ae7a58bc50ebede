package io.crdbmcp.contract;

import java.util.Map;

/**
 * Starts servers for the contract suites. A transport module implements this once (stdio: the
 * packaged jar as a process; HTTP: the HTTP server and a Streamable HTTP client) and runs every
 * suite with it by subclassing each suite:
 *
 * <pre>{@code
 * class SafetyStdioIT extends SafetySuite {
 *   @Override
 *   protected ServerFactory servers() {
 *     return new StdioServerFactory();
 *   }
 * }
 * }</pre>
 */
public interface ServerFactory {

  /**
   * Starts a server configured with these {@code CRDB_*} settings (environment variables of a
   * server process, or the transport's equivalent) and returns it with an initialized client. The
   * client must check structured results against the tools' output schemas ({@code
   * enableCallToolSchemaCaching(true)}) and allow at least 60 seconds per request.
   */
  ServerUnderTest start(Map<String, String> env, StartOptions options);

  /** {@link #start(Map, StartOptions)} with {@link StartOptions#defaults()}. */
  default ServerUnderTest start(Map<String, String> env) {
    return start(env, StartOptions.defaults());
  }

  /**
   * Whether each server runs in an operating-system process of its own, which applies {@link
   * StartOptions#jvmArgs()} and which {@link ServerUnderTest#kill()} can end. Tests that kill a
   * server are skipped when this is false.
   */
  default boolean startsProcesses() {
    return false;
  }
}
