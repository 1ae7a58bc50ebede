package io.crdbmcp.server.http;

import io.crdbmcp.contract.QueriesSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link QueriesSuite} over Streamable HTTP. */
class QueriesHttpIT extends QueriesSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
