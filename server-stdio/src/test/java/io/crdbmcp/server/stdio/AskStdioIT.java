package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.AskSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link AskSuite} over stdio. */
class AskStdioIT extends AskSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
