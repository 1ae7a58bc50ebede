package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.AdminSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link AdminSuite} over stdio. */
class AdminStdioIT extends AdminSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
