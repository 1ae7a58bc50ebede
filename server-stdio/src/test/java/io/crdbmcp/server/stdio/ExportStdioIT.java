package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ExportSuite;
import io.crdbmcp.contract.ServerFactory;

/** The exports over stdio, the server process with a bounded heap; the crash test kills it. */
class ExportStdioIT extends ExportSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
