package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.FaultsSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link FaultsSuite} over stdio. */
class FaultsStdioIT extends FaultsSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
