#!/usr/bin/env bash
# Benchmarks (not tests): start-up, per-call overhead through stdio, result size.
# Usage: ./mvnw -q install -DskipTests && bench/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
./mvnw -q -B -Dspotless.check.skip=true -DskipTests test-compile -pl server-stdio
./mvnw -q -B dependency:build-classpath -pl server-stdio -Dmdep.includeScope=test \
  -Dmdep.outputFile="$ROOT/server-stdio/target/bench-classpath.txt" >/dev/null
CP="$ROOT/server-stdio/target/test-classes:$ROOT/server-stdio/target/classes:$(cat "$ROOT/server-stdio/target/bench-classpath.txt")"
exec java -cp "$CP" io.crdbmcp.server.stdio.bench.StdioBench "$ROOT"
