package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.PlansAndDatabaseSuite;
import io.crdbmcp.contract.ServerFactory;

/** Plans, database info, users and roles over stdio. */
class PlansAndDatabaseStdioIT extends PlansAndDatabaseSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
