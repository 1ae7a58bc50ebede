package io.crdbmcp.server.http;

import io.crdbmcp.contract.ExportSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link ExportSuite} over Streamable HTTP. */
class ExportHttpIT extends ExportSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
