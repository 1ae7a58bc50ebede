package io.crdbmcp.server.http;

import io.crdbmcp.contract.ServerFactory;
import io.crdbmcp.contract.SessionStateSuite;

/** {@link SessionStateSuite} over Streamable HTTP. */
class SessionStateHttpIT extends SessionStateSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
