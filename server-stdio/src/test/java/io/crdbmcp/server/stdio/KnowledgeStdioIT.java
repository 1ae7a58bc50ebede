package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.KnowledgeSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link KnowledgeSuite} over stdio. */
class KnowledgeStdioIT extends KnowledgeSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
