package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ResourcesSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link ResourcesSuite} over stdio. */
class ResourcesStdioIT extends ResourcesSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
