#!/usr/bin/env bash
# Benchmark (not a test): calls/s and p50/p99 of a one-row query over Streamable HTTP with 1, 8 and
# 32 concurrent clients, ours and dbhub's (set DBHUB to its executable, or have npx on the PATH).
# Usage: bench/http.sh   (JAVA_OPTS=-Dbench.seconds=N sets the length of each run; default 10)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The packaged servers (what bin/cockroachdb-mcp runs) and the benchmark's own class.
./mvnw -q -B -Dspotless.check.skip=true -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip package -pl server-stdio,server-http -am
touch server-stdio/target/.build-complete
# The HTTP server's runtime jars hold everything the benchmark uses (SDK client, demo database).
CP="$ROOT/server-http/target/test-classes:$ROOT/server-http/target/lib/*"
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -cp "$CP" io.crdbmcp.server.http.bench.HttpBench "$ROOT"
