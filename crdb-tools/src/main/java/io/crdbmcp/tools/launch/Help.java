package io.crdbmcp.tools.launch;

/**
 * The {@code --help} text of both launchers (the instructions sent to clients are {@code
 * CrdbTools.INSTRUCTIONS}). Every setting of {@code CrdbConfig.SETTINGS} is listed here with its
 * default; {@code StartupIT.helpListsEverySetting} checks that none is missing.
 */
public final class Help {
  private Help() {}

  public static final String TEXT =
      """
      cockroachdb-mcp - an MCP server for CockroachDB and PostgreSQL

      Usage:
        cockroachdb-mcp [--demo]                  serve over stdio (what desktop MCP clients launch)
        cockroachdb-mcp --streamable-http [--demo] [--host H] [--port P]
                                                  serve Streamable HTTP at http://H:P/mcp
                                                  (remote clients such as Claude.ai)
        cockroachdb-mcp --http [--demo] [--host H] [--port P]
                                                  serve the older HTTP+SSE transport (GET /sse,
                                                  POST /message) for older clients
        cockroachdb-mcp --help                    this text
        cockroachdb-mcp --version                 print the version

        --demo   start an embedded PostgreSQL with a ride-sharing sample database and serve it;
                 it is temporary and removed on exit
        --host   interface to listen on (overrides CRDB_HTTP_HOST)
        --port   port to listen on, 0 for any free one (overrides CRDB_HTTP_PORT)

      Over HTTP, GET /healthz answers while the process is up and GET /readyz while the default
      database answers (no authentication, nothing secret in either).

      Settings (environment variables; defaults in brackets):
        CRDB_URL                      postgresql://user:password@host:port/database?sslmode=...
                                      (alternative to the CRDB_HOST... settings)
        CRDB_HOST                     server host (required unless CRDB_URL or CRDB_CONNECTIONS)
        CRDB_PORT                     server port [26257]
        CRDB_USER                     database user (required with CRDB_HOST)
        CRDB_PASSWORD                 password [none]; never logged
        CRDB_DATABASE                 database [defaultdb]
        CRDB_SSLMODE                  disable | require | verify-ca | verify-full (also allow,
                                      prefer) [prefer]
        CRDB_SSLROOTCERT              CA certificate file for verify-ca / verify-full [none]
        CRDB_CLUSTER                  CockroachDB Cloud routing id, sent as options=--cluster= [none]
        CRDB_TIMEOUT                  connect timeout, seconds; also how long a call waits for a
                                      free pooled connection [10]
        CRDB_CONNECTIONS              JSON array of more named connections:
                                      [{"name":"analytics","url":"postgresql://...","read_only":true}]
        CRDB_MAX_ROWS                 row cap per query; exports are not capped [1000]
        CRDB_QUERY_TIMEOUT            statement timeout, seconds; also bounds exports [30]
        CRDB_READ_ONLY                refuse every write, DDL and session change [false]
        CRDB_BLOCKED_COMMANDS         comma list [DROP,TRUNCATE,ALTER,GRANT,REVOKE,CREATE USER,DROP USER]
        CRDB_BLOCKED_DATABASES        comma list of hidden, unusable databases [none]
        CRDB_ALLOWED_SCHEMAS          comma list; other schemas are refused [all]
        CRDB_BLOCKED_TABLES           comma list, optionally schema-qualified [none]
        CRDB_BLOCKED_COLUMNS          JSON object {"users":["password_hash"]} [none]
        CRDB_ALLOWED_TABLES           comma allow-list of tables [all]
        CRDB_ALLOWED_FUNCTIONS        user-defined functions allowed in read-only mode [none]
        CRDB_MAX_SQL_LENGTH           longest statement accepted, characters [1000000]
        CRDB_MAX_SQL_DEPTH            deepest nesting of ( ) and [ ] accepted [100]
        CRDB_TOOLSETS                 comma list of tool groups: connection, query, schema, data,
                                      export, database, transaction, knowledge,
                                      cluster, ask [all]; admin (databases, roles, grants)
                                      only when named (all,admin), never read-only
        CRDB_KNOWLEDGE_PATH           markdown file of saved knowledge
                                      [~/.cockroachdb-mcp/knowledge.md]
        CRDB_KNOWLEDGE_STORE          file | database (a table of the default database) [file]
        CRDB_EXPORT_DIR               where export_to_csv/export_to_json write; paths outside
                                      it are refused [~/.cockroachdb-mcp/exports]
        CRDB_TRANSACTION_IDLE_TIMEOUT idle transactions are rolled back after this, seconds [300]
        CRDB_MAX_TRANSACTIONS         open transactions at most [10]
        CRDB_MAX_TRANSACTIONS_PER_CLIENT  open transactions of one client at most [5]
        CRDB_POOL_SIZE                connections per pool at most [5]
        CRDB_CANCEL_OTHER_USERS       cancel_query may cancel statements of other database users
                                      than the server's own [false]
        CRDB_OUTPUT_SCHEMAS           tools/list carries each tool's output schema (structured
                                      results are returned either way) [false]
        CRDB_RETRY_MAX_ATTEMPTS       attempts for statements safe to repeat (reads, server-run
                                      transactions after 40001); never a write of unknown
                                      outcome [3]
        CRDB_BREAKER_THRESHOLD        connection failures in a row that open a connection's
                                      circuit breaker [5]
        CRDB_BREAKER_WAIT             seconds an open breaker refuses calls [30]
        CRDB_WATCHDOG_ENABLED         check pools and cancel overdue work on the server [true]
        CRDB_WATCHDOG_INTERVAL        seconds between watchdog rounds [30]
        CRDB_WATCHDOG_TIMEOUT         work running longer is cancelled on the server, seconds [60]
        CRDB_AUDIT_ENABLED            audit log, one JSON line per tool call [false]
        CRDB_AUDIT_PATH               audit log file [~/.cockroachdb-mcp/audit.jsonl]
        CRDB_AUDIT_LEVEL              all | writes | errors [all]
        CRDB_AUDIT_REDACT_LITERALS    replace literals of audited statements by ? [false]
        CRDB_RATE_LIMIT_ENABLED       HTTP: rate limits per session and user [true]
        CRDB_RATE_LIMIT_REQUESTS      calls per window [100]
        CRDB_RATE_LIMIT_WINDOW        window, seconds [60]
        CRDB_RATE_LIMIT_CONCURRENT    HTTP: calls of one user at once at most [10]

      Questions in plain language (ask, schema_context):
        CRDB_LLM_BASE_URL             OpenAI-compatible endpoint that writes SQL, e.g.
                                      http://localhost:11434/v1 [none; https://api.openai.com/v1
                                      when only CRDB_LLM_API_KEY is set]
        CRDB_LLM_API_KEY              the endpoint's key [none]; never logged or shown
        CRDB_LLM_MODEL                model name [gpt-4o-mini]
        CRDB_LLM_TIMEOUT              how long one answer of the endpoint may take, seconds [30]
        CRDB_SCHEMA_CACHE_TTL         how long the schema read for questions is reused, seconds;
                                      DDL through the server refreshes it at once [300]

      HTTP settings (--streamable-http and --http only):
        CRDB_HTTP_HOST                interface to listen on [127.0.0.1]; another one is served
                                      only when asked, with a warning while nothing authenticates
        CRDB_HTTP_PORT                port [8080]
        CRDB_HTTP_CORS_ORIGINS        comma list of browser origins allowed to call the server,
                                      e.g. https://app.example.com; no wildcard [none]
        CRDB_HTTP_ALLOWED_HOSTS       comma list of Host header values accepted (DNS-rebinding
                                      protection) [the listening host and localhost, any port]
        CRDB_HTTP_MAX_BODY            largest request body, bytes (or 512KiB, 4MiB) [4MiB]
        CRDB_HTTP_MAX_SESSIONS        open MCP sessions at most [100]
        CRDB_HTTP_SESSION_IDLE_TIMEOUT  a session without requests this long is ended and its
                                      transactions rolled back, seconds [1800]
        CRDB_HTTP_SHUTDOWN_GRACE      on SIGTERM, how long calls in flight may finish, seconds [10]
        CRDB_HTTP_CONNECT_HOSTS       comma list of hosts the connect tool may reach over HTTP
                                      (host or host:port) [none: only the configured connections]

      OAuth settings (HTTP only; see the README's OAuth section):
        CRDB_AUTH_ENABLED             /mcp needs a bearer token [false]
        CRDB_AUTH_MODE                issue (this server is the authorization server, in front
                                      of the identity provider) | validate (accept an external
                                      authorization server's tokens) [issue]
        CRDB_AUTH_ISSUER_URL          this server's public URL, https://mcp.example.com [none;
                                      required with CRDB_AUTH_ENABLED]
        CRDB_AUTH_SCOPES              scopes a user may be granted: crdb:read crdb:write
                                      crdb:admin [crdb:read crdb:write]
        CRDB_AUTH_DEFAULT_SCOPES      scopes granted when a client asks for none [crdb:read];
                                      a token without crdb:write makes every call read-only
        CRDB_AUTH_ALLOW_INSECURE_BIND allow another interface than loopback while the issuer
                                      URL is plain http [false]
        CRDB_AUTH_KEY_ROTATION_SECONDS  a new token signing key this often [86400]
        CRDB_AUTH_STORE               memory | database (a table of the default database,
                                      shared by replicas) [memory]
        CRDB_AUTH_CLIENT_METADATA_HOSTS  hosts whose client ID metadata documents (an https
                                      client_id) are fetched; * any public host, none [*]
        CRDB_AUTH_EXTERNAL_ISSUER     validate mode: the authorization server trusted [none]
        CRDB_AUTH_JWKS_URL            validate mode: its key set [from its metadata]
        CRDB_AUTH_AUDIENCE            the audience tokens must name [CRDB_AUTH_ISSUER_URL/mcp]
        CRDB_IDP_PROVIDER             duo | auth0 | entra | okta | oidc [oidc]
        CRDB_IDP_DISCOVERY_URL        the identity provider's OpenID Connect discovery URL
                                      [none; required in issue mode]
        CRDB_IDP_CLIENT_ID            this server's client id there [none; required in issue mode]
        CRDB_IDP_CLIENT_SECRET        its client secret, never logged [none: a public client]
        CRDB_IDP_SCOPES               scopes asked of the identity provider [openid email profile]
        CRDB_TOKEN_EXPIRY_SECONDS     access token lifetime [900]
        CRDB_REFRESH_TOKEN_EXPIRY_SECONDS  refresh token lifetime [1209600, 14 days]

      Logs go to stderr; over stdio, stdout carries the protocol.
      """;
}
