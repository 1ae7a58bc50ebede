package io.crdbmcp.server.http;

import io.crdbmcp.contract.PlansAndDatabaseSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link PlansAndDatabaseSuite} over Streamable HTTP. */
class PlansAndDatabaseHttpIT extends PlansAndDatabaseSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
