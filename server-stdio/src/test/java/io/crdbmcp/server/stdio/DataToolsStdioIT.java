package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.DataToolsSuite;
import io.crdbmcp.contract.ServerFactory;

/** The row tools over stdio. */
class DataToolsStdioIT extends DataToolsSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
