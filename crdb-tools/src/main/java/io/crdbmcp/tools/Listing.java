package io.crdbmcp.tools;

/**
 * The typed arguments of a listing tool: the tool's own, and the {@link View} every listing shares
 * (a {@link View} alone is the arguments of a listing that has no others).
 */
interface Listing {
  View view();
}
