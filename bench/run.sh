#!/usr/bin/env bash
# Benchmarks (not tests): start-up, per-call overhead through stdio, result size.
# Usage: bench/run.sh   (builds the packaged server first; nothing is installed into ~/.m2)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The packaged server (what bin/cockroachdb-mcp runs) and the benchmark's own class.
./mvnw -q -B -Dspotless.check.skip=true -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip package -pl server-stdio,server-http -am
touch server-stdio/target/.build-complete
# The HTTP server's runtime jars hold what the benchmark uses (Jackson, the SDK, the demo database).
CP="$ROOT/server-stdio/target/test-classes:$ROOT/server-stdio/target/classes:$ROOT/server-http/target/lib/*"
exec java -cp "$CP" io.crdbmcp.server.stdio.bench.StdioBench "$ROOT"
