package io.crdbmcp.server.http;

import io.crdbmcp.contract.SafetySuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link SafetySuite} over Streamable HTTP. */
class SafetyHttpIT extends SafetySuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
