package io.crdbmcp.server.http;

import io.crdbmcp.contract.FaultsSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link FaultsSuite} over Streamable HTTP. */
class FaultsHttpIT extends FaultsSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
