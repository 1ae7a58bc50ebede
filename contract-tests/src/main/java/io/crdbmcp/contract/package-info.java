/**
 * The end-to-end contract every transport passes. Abstract JUnit 5 suites ({@link
 * io.crdbmcp.contract.QueriesSuite}, {@link io.crdbmcp.contract.SafetySuite} ...) drive a real
 * server through the SDK client against a real database ({@code TestDb}); a transport module runs
 * them by implementing {@link io.crdbmcp.contract.ServerFactory} and subclassing each suite once.
 * {@link io.crdbmcp.contract.ToolCalls} builds arguments and reads results.
 */
package io.crdbmcp.contract;
