package io.crdbmcp.server.http;

import io.crdbmcp.contract.DataToolsSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link DataToolsSuite} over Streamable HTTP. */
class DataToolsHttpIT extends DataToolsSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
