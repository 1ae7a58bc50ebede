package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.CockroachSuite;
import io.crdbmcp.contract.ServerFactory;

/** The CockroachDB-only paths over stdio (skipped on PostgreSQL). */
class CockroachStdioIT extends CockroachSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
