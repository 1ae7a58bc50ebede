package io.crdbmcp.server.stdio;

import io.crdbmcp.contract.ServerFactory;
import io.crdbmcp.contract.TransactionsSuite;

/** Transactions that span calls, over stdio. */
class TransactionsStdioIT extends TransactionsSuite {
  @Override
  protected ServerFactory servers() {
    return new StdioServerFactory();
  }
}
