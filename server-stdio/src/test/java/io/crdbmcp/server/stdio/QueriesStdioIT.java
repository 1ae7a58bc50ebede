package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.QueriesSuite;
import io.crdbmcp.contract.ServerFactory;

/** The foundation contract (execute_query, schema and connection tools, failures) over stdio. */
class QueriesStdioIT extends QueriesSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
