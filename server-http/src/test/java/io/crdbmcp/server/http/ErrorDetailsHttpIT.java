package io.crdbmcp.server.http;

import io.crdbmcp.contract.ErrorDetailsSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link ErrorDetailsSuite} over Streamable HTTP. */
class ErrorDetailsHttpIT extends ErrorDetailsSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
