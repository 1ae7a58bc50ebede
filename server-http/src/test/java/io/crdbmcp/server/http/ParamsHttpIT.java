package io.crdbmcp.server.http;

import io.crdbmcp.contract.ParamsSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link ParamsSuite} over Streamable HTTP. */
class ParamsHttpIT extends ParamsSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
