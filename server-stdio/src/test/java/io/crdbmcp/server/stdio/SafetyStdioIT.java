package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.SafetySuite;
import io.crdbmcp.contract.ServerFactory;

/** The hostile and allowed SQL corpora replayed through the stdio server. */
class SafetyStdioIT extends SafetySuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
