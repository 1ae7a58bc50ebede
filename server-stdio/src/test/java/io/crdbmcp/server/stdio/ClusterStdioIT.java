package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ClusterSuite;
import io.crdbmcp.contract.ServerFactory;

/** The cluster, distribution and performance tools over stdio. */
class ClusterStdioIT extends ClusterSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
