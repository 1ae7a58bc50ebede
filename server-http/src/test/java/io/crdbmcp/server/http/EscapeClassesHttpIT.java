package io.crdbmcp.server.http;

import io.crdbmcp.contract.EscapeClassesSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link EscapeClassesSuite} over Streamable HTTP. */
class EscapeClassesHttpIT extends EscapeClassesSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
