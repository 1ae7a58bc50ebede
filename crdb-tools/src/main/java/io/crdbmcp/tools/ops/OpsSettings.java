package io.crdbmcp.tools.ops;

import io.crdbmcp.core.ConfigException;
import io.crdbmcp.core.CrdbConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of the audit log and the rate limits, read once at start by the launchers and
 * validated like every other setting (a {@link ConfigException} names the variable).
 *
 * @param auditEnabled whether calls are written to the audit log ({@code CRDB_AUDIT_ENABLED})
 * @param auditPath the audit log file, one JSON object per line ({@code CRDB_AUDIT_PATH})
 * @param auditLevel which calls are written ({@code CRDB_AUDIT_LEVEL})
 * @param auditRedactLiterals whether string and number literals of statements are replaced by
 *     {@code ?} ({@code CRDB_AUDIT_REDACT_LITERALS})
 * @param rateLimitEnabled whether calls are rate-limited ({@code CRDB_RATE_LIMIT_ENABLED})
 * @param rateLimitRequests calls per window of one session, and of one authenticated user ({@code
 *     CRDB_RATE_LIMIT_REQUESTS})
 * @param rateLimitWindow the window ({@code CRDB_RATE_LIMIT_WINDOW})
 * @param concurrentCalls over HTTP, calls of one user (or unauthenticated session) running at once
 *     at most ({@code CRDB_RATE_LIMIT_CONCURRENT})
 */
public record OpsSettings(
    boolean auditEnabled,
    Path auditPath,
    AuditLog.Level auditLevel,
    boolean auditRedactLiterals,
    boolean rateLimitEnabled,
    int rateLimitRequests,
    Duration rateLimitWindow,
    int concurrentCalls) {

  public static final int DEFAULT_RATE_LIMIT_REQUESTS = 100;
  public static final int DEFAULT_RATE_LIMIT_WINDOW = 60;
  public static final int DEFAULT_CONCURRENT_CALLS = 10;

  /** The default audit log file: {@code ~/.cockroachdb-mcp/audit.jsonl}. */
  public static Path defaultAuditPath() {
    return Path.of(System.getProperty("user.home"), ".cockroachdb-mcp", "audit.jsonl");
  }

  /** Reads the settings from {@code env} (the launcher's environment). */
  public static OpsSettings fromEnvironment(Map<String, String> env) {
    CrdbConfig.Env e = new CrdbConfig.Env(env);
    String level = e.getOrDefault("CRDB_AUDIT_LEVEL", "all").toUpperCase(Locale.ROOT);
    AuditLog.Level auditLevel;
    try {
      auditLevel = AuditLog.Level.valueOf(level);
    } catch (IllegalArgumentException ex) {
      throw new ConfigException(
          "CRDB_AUDIT_LEVEL",
          "'" + e.get("CRDB_AUDIT_LEVEL") + "' is not all, writes or errors",
          "CRDB_AUDIT_LEVEL=writes");
    }
    String path = e.get("CRDB_AUDIT_PATH");
    Path auditPath =
        path == null
            ? defaultAuditPath()
            : Path.of(
                path.equals("~") || path.startsWith("~/")
                    ? System.getProperty("user.home") + path.substring(1)
                    : path);
    return new OpsSettings(
        e.bool("CRDB_AUDIT_ENABLED", false),
        auditPath.toAbsolutePath().normalize(),
        auditLevel,
        e.bool("CRDB_AUDIT_REDACT_LITERALS", false),
        e.bool("CRDB_RATE_LIMIT_ENABLED", true),
        e.positiveInt("CRDB_RATE_LIMIT_REQUESTS", DEFAULT_RATE_LIMIT_REQUESTS),
        Duration.ofSeconds(e.positiveInt("CRDB_RATE_LIMIT_WINDOW", DEFAULT_RATE_LIMIT_WINDOW)),
        e.positiveInt("CRDB_RATE_LIMIT_CONCURRENT", DEFAULT_CONCURRENT_CALLS));
  }
}
