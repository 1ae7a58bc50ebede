package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.EscapeClassesSuite;
import io.crdbmcp.contract.ServerFactory;

/** The four escape classes of the safety review, through the stdio server. */
class EscapeClassesStdioIT extends EscapeClassesSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
