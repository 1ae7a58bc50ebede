package io.crdbmcp.server.http;

import io.crdbmcp.contract.AccessControlSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link AccessControlSuite} over Streamable HTTP. */
class AccessControlHttpIT extends AccessControlSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
