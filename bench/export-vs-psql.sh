#!/usr/bin/env bash
# Benchmark (not a test): export_to_csv of 200,000 rows through the packaged stdio server, driven
# by the MCP SDK client, beside psql's client-side \copy of the same query to a CSV file, on the
# same machine and the same embedded PostgreSQL (demo schema + the ExportSuite table).
#
# Needs psql on PATH (e.g. /usr/bin/psql from postgresql-client-15); without it the psql half is
# skipped with a message. Set PSQL=/path/to/psql to choose one. Builds the modules it needs with
# the Maven wrapper (offline first), never installs anything.
set -euo pipefail
cd "$(dirname "$0")/.."

PSQL_BIN="${PSQL:-$(command -v psql || true)}"
if [ -z "$PSQL_BIN" ]; then
  echo "psql is not installed (looked for it on PATH); only the server side will be timed." >&2
else
  echo "using $("$PSQL_BIN" --version) at $PSQL_BIN"
fi

if [ "${SKIP_BUILD:-}" != "1" ]; then
  ./mvnw -B -q -o package -pl server-stdio -am -DskipTests -Dspotless.check.skip=true \
    || ./mvnw -B -q package -pl server-stdio -am -DskipTests -Dspotless.check.skip=true
fi

T=server-stdio/target
exec java -Dserver.jar="$T/server-stdio.jar" \
  -cp "$T/test-classes:$T/server-stdio.jar:$T/lib/*" \
  io.crdbmcp.server.stdio.ExportVsPsqlBench "$PSQL_BIN"
