package io.crdbmcp.server.http;

import io.crdbmcp.contract.ResourcesSuite;
import io.crdbmcp.contract.ServerFactory;

/** {@link ResourcesSuite} over Streamable HTTP. */
class ResourcesHttpIT extends ResourcesSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
