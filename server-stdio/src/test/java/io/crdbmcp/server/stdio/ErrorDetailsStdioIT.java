package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ErrorDetailsSuite;
import io.crdbmcp.contract.ServerFactory;

/** What the database said, kept in errors, over stdio. */
class ErrorDetailsStdioIT extends ErrorDetailsSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
