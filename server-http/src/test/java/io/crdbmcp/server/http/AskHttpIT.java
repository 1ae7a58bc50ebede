package io.crdbmcp.server.http;

import io.crdbmcp.contract.AskSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link AskSuite} over Streamable HTTP. */
class AskHttpIT extends AskSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
