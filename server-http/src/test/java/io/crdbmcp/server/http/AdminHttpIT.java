package io.crdbmcp.server.http;

import io.crdbmcp.contract.AdminSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link AdminSuite} over Streamable HTTP. */
class AdminHttpIT extends AdminSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
