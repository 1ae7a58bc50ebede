package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.AccessControlSuite;
import io.crdbmcp.contract.ServerFactory;

/** Allow-lists, blocked databases and tool groups over stdio. */
class AccessControlStdioIT extends AccessControlSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
