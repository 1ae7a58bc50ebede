#!/usr/bin/env bash
# Benchmark (not a test): this server beside the official Node.js PostgreSQL MCP server
# (@modelcontextprotocol/server-postgres 0.6.2) and dbhub (@bytebase/dbhub 0.21.2) on the same
# embedded PostgreSQL, with the same client, in one run; prints start time, p50 of a one-row
# query, tools/list size and the text of a 100-row result, and our figures as ratios.
# Usage: bench/compare.sh   (needs npm for the peers; PEERS_DIR reuses an installed copy;
#        JAVA_OPTS=-Dbench.calls=N -Dbench.warm=N -Dbench.starts=N -Dbench.rounds=N change the run;
#        the figures are medians of interleaved rounds)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PEERS_DIR="${PEERS_DIR:-$HOME/.cache/cockroachdb-mcp/bench-peers}"
if [ ! -x "$PEERS_DIR/node_modules/.bin/mcp-server-postgres" ] && command -v npm >/dev/null; then
  mkdir -p "$PEERS_DIR"
  npm install --silent --no-audit --no-fund --prefix "$PEERS_DIR" \
    @modelcontextprotocol/server-postgres@0.6.2 @bytebase/dbhub@0.21.2 >&2
fi
# The packaged server (what bin/cockroachdb-mcp runs) and the benchmark's own class.
./mvnw -q -B -Dspotless.check.skip=true -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip package -pl server-stdio,server-http -am
touch server-stdio/target/.build-complete
# The HTTP server's runtime jars hold what the benchmark uses (Jackson, the demo database).
CP="$ROOT/server-stdio/target/test-classes:$ROOT/server-http/target/lib/*"
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -cp "$CP" io.crdbmcp.server.stdio.bench.CompareBench "$ROOT" "$PEERS_DIR"
