package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ServerFactory;
import io.crdbmcp.contract.SessionStateSuite;

/** No session state crosses calls, over stdio. */
class SessionStateStdioIT extends SessionStateSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
