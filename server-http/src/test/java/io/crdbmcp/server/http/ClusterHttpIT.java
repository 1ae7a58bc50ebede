package io.crdbmcp.server.http;

import io.crdbmcp.contract.ClusterSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link ClusterSuite} over Streamable HTTP. */
class ClusterHttpIT extends ClusterSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
