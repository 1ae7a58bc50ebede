package io.crdbmcp.server.http;

import io.crdbmcp.contract.CockroachSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link CockroachSuite} over Streamable HTTP. */
class CockroachHttpIT extends CockroachSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
