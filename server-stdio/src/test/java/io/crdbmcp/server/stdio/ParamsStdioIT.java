package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ParamsSuite;
import io.crdbmcp.contract.ServerFactory;

/** psql-like parameters over stdio. */
class ParamsStdioIT extends ParamsSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
