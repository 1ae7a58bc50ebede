package io.crdbmcp.server.http;

import io.crdbmcp.contract.KnowledgeSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link KnowledgeSuite} over Streamable HTTP. */
class KnowledgeHttpIT extends KnowledgeSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
