package io.crdbmcp.server.http;

import io.crdbmcp.contract.ServerFactory;
import io.crdbmcp.contract.TransactionsSuite;

/** {@link TransactionsSuite} over Streamable HTTP. */
class TransactionsHttpIT extends TransactionsSuite {
  @Override
  protected ServerFactory servers() {
    return new HttpServerFactory();
  }
}
