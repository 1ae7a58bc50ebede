package io.crdbmcp.core.connect;

import io.crdbmcp.core.CallCancel;
import io.crdbmcp.core.CrdbConfig;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Turns driver exceptions into {@link CrdbException}s with a stable code, what the database said
 * (message, DETAIL, HINT, POSITION) and a next step. Next steps name settings, never tools: the
 * library has no tools; a tool layer may add its own.
 */
public final class SqlErrors {
  private SqlErrors() {}

  /** SQLSTATEs a connection attempt can end with that are worth a second try after a pause. */
  private static final Set<String> RETRIABLE_STATES = Set.of("57P03");

  /** SQLSTATEs that say an established connection is gone. */
  private static final Set<String> LOST_STATES =
      Set.of("08000", "08003", "08006", "57P01", "57P02");

  /** Translates an error of a statement, or of getting a connection from the pool. */
  public static CrdbException translate(SQLException e, ConnectionSpec spec) {
    if (e instanceof SQLTransientConnectionException) {
      // The pool gave no connection in time: either creating one failed (the cause says why) or
      // every connection stayed busy.
      SQLException cause = sqlCause(e);
      if (cause != null) {
        return connectFailure(cause, spec);
      }
      return new CrdbException(
          ErrorCode.CONNECTION_FAILED,
          "no connection of '"
              + spec.name()
              + "' became free within "
              + spec.connectTimeoutSeconds()
              + " s"
              + poolState(e.getMessage()),
          "run fewer calls at once, or raise CRDB_POOL_SIZE (or CRDB_TIMEOUT if the database is"
              + " slow to open connections)",
          null,
          e);
    }
    String state = sqlState(e);
    ServerSaid said = ServerSaid.of(e);
    if (Database.underAccessControl(spec)) {
      // DETAIL and HINT can name hidden columns ("Perhaps you meant ... riders.email") and show
      // their values ("Key (email)=(...) already exists", "Failing row contains (...)").
      said = said.withoutDetailAndHint();
    }
    if (state == null) {
      Throwable root = rootCause(e);
      if (root instanceof ConnectException
          || root instanceof UnknownHostException
          || root instanceof NoRouteToHostException
          || root instanceof SocketTimeoutException
          || root instanceof SSLException) {
        return connectFailure(e, spec);
      }
      return said.exception(ErrorCode.SQL_ERROR, null, null, e, List.of());
    }
    if (state.equals("08001")
        || state.equals("08004")
        || state.startsWith("28")
        || (state.equals("3D000") && said.fatal())) {
      return connectFailure(e, spec);
    }
    if (LOST_STATES.contains(state)) {
      return new CrdbException(
          ErrorCode.CONNECTION_FAILED,
          "the connection to "
              + spec.host()
              + ":"
              + spec.port()
              + " (connection '"
              + spec.name()
              + "') was lost: "
              + said.message(),
          "try again: a new connection is made; if it fails again, check that the server is up",
          state,
          e);
    }
    switch (state) {
      case "3D000":
        return said.exception(
            ErrorCode.NOT_FOUND,
            "check the database name; SHOW DATABASES (or pg_database) lists them",
            state,
            e,
            List.of());
      case "42P01":
        {
          List<String> near = CatalogNames.suggest(spec, state, said.message());
          return said.exception(
              ErrorCode.NOT_FOUND,
              didYouMean(near, "check the table name and its schema")
                  + " (information_schema.tables lists the tables and views)",
              state,
              e,
              near);
        }
      case "42703":
        {
          List<String> near = CatalogNames.suggest(spec, state, said.message());
          return said.exception(
              ErrorCode.NOT_FOUND,
              didYouMean(near, "check the column name")
                  + " (information_schema.columns lists the columns of each table)",
              state,
              e,
              near);
        }
      case "3F000":
        return said.exception(
            ErrorCode.NOT_FOUND,
            "check the schema name; information_schema.schemata lists the schemas",
            state,
            e,
            List.of());
      case "42883":
        return said.exception(
            ErrorCode.SQL_ERROR,
            "check the function or operator name and the argument types; a cast such as $1::int"
                + " fixes a parameter the database cannot match",
            state,
            e,
            List.of());
      case "42P18":
        return said.exception(
            ErrorCode.SQL_ERROR,
            "the database cannot infer the type of a parameter here: add a cast, such as"
                + " $1::text or $1::int",
            state,
            e,
            List.of());
      case "42601":
        return said.exception(
            ErrorCode.SQL_SYNTAX,
            "fix the SQL syntax"
                + (said.position() > 0 ? " near character " + said.position() : ""),
            state,
            e,
            List.of());
      case "57014":
        if (CallCancel.current().isCancelled()) {
          return CallCancel.cancelledError(
              "its statement was stopped on the database server", state, e);
        }
        if (e instanceof WatchdogCancelled w) {
          return new CrdbException(
              ErrorCode.QUERY_TIMEOUT,
              "the connection watchdog cancelled the statement on the server: it ran longer than"
                  + " CRDB_WATCHDOG_TIMEOUT ("
                  + w.limitSeconds()
                  + " s)",
              "narrow the query (WHERE, LIMIT) or raise CRDB_WATCHDOG_TIMEOUT",
              state,
              e);
        }
        return new CrdbException(
            ErrorCode.QUERY_TIMEOUT,
            "the statement was cancelled: it ran longer than the query timeout",
            "narrow the query (WHERE, LIMIT) or raise CRDB_QUERY_TIMEOUT",
            state,
            e);
      case "40001":
        return said.exception(
            ErrorCode.RETRY_TRANSACTION,
            "the transaction conflicted with another one and must be retried: ",
            "retry the whole transaction from its start (CockroachDB serialization retry)",
            state,
            e,
            List.of());
      case "25006":
        return said.exception(
            ErrorCode.SQL_REFUSED,
            "the database refused a write in a read-only transaction: ",
            "this connection or server is read-only; only reads are allowed",
            state,
            e,
            List.of());
      case "42501":
        return said.exception(
            ErrorCode.SQL_ERROR,
            "the database user '" + spec.user() + "' lacks the privilege for this",
            state,
            e,
            List.of());
      case "25P02":
        return said.exception(
            ErrorCode.SQL_ERROR,
            "the transaction is aborted; roll it back and start again",
            state,
            e,
            List.of());
      default:
        return said.exception(ErrorCode.SQL_ERROR, null, state, e, List.of());
    }
  }

  /**
   * Translates the failure of a connection attempt (login): says exactly why, and which setting to
   * change.
   */
  public static CrdbException connectFailure(SQLException e, ConnectionSpec spec) {
    String state = sqlState(e);
    ServerSaid said = ServerSaid.of(e);
    String reason = said.message();
    String lower = reason.toLowerCase(Locale.ROOT);
    Throwable root = rootCause(e);
    Names n = new Names(spec);
    ErrorCode code = ErrorCode.CONNECTION_FAILED;
    String suggestion;
    if (root instanceof UnknownHostException) {
      reason = "unknown host '" + spec.host() + "'";
      suggestion = "check " + n.of("host") + ": the name does not resolve";
    } else if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
      reason =
          "nothing accepts connections at "
              + spec.host()
              + ":"
              + spec.port()
              + " ("
              + rootMessage(root)
              + ")";
      suggestion =
          "check that the server is running and that " + n.of("host", "port") + " are right";
    } else if (root instanceof SocketTimeoutException || lower.contains("timed out")) {
      reason =
          "no answer from "
              + spec.host()
              + ":"
              + spec.port()
              + " within "
              + spec.connectTimeoutSeconds()
              + " s";
      suggestion =
          "check " + n.of("host", "port") + " and firewalls; for a slow network raise CRDB_TIMEOUT";
    } else if ("3D000".equals(state)) {
      code = ErrorCode.NOT_FOUND;
      suggestion =
          "set "
              + n.of("database")
              + " to an existing database (CockroachDB always has defaultdb, PostgreSQL"
              + " postgres)";
    } else if (lower.contains("no password was provided")
        || lower.contains("password authentication is required")) {
      reason = "the server asks for a password for user '" + spec.user() + "' and none is set";
      suggestion = "set " + n.of("password");
    } else if ("28000".equals(state)
        && (lower.contains("pg_hba") || lower.contains("encryption") || lower.contains("ssl"))) {
      suggestion =
          "the server has no access rule for this user, database and sslmode="
              + spec.sslMode()
              + "; if it accepts only TLS set "
              + n.set("sslmode", "require")
              + " (or verify-full with "
              + n.of("sslrootcert")
              + "), else ask its administrator for access";
    } else if ("28P01".equals(state) || "28000".equals(state)) {
      suggestion =
          "check "
              + n.of("password", "user")
              + ": the server refused the login of user '"
              + spec.user()
              + "'";
    } else if (isTls(e, lower)) {
      suggestion = tlsSuggestion(lower, spec, n);
    } else if ("53300".equals(state)) {
      suggestion = "the server has no free connection slots: lower CRDB_POOL_SIZE or try later";
    } else if ("57P03".equals(state)) {
      suggestion = "the server is starting or shutting down: try again in a moment";
    } else {
      suggestion =
          "check the connection settings (" + n.of("host", "port", "user") + ", and sslmode)";
    }
    return new CrdbException(
        code,
        "cannot connect to "
            + spec.describe()
            + " (connection '"
            + spec.name()
            + "'): "
            + oneLine(reason),
        suggestion,
        state,
        e,
        said.detail(),
        said.hint(),
        0,
        List.of());
  }

  /**
   * True for failures worth a second attempt after a short pause: nothing listening yet (refused,
   * no route) or a server still starting. Wrong credentials, an unknown database, TLS problems,
   * unknown hosts and timeouts are not: another attempt fails the same way, or takes as long.
   */
  static boolean retriable(SQLException e) {
    Throwable root = rootCause(e);
    if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
      return true;
    }
    String state = sqlState(e);
    return state != null && RETRIABLE_STATES.contains(state);
  }

  /** Timeouts raised by the driver's own query timeout. */
  public static CrdbException timeout(SQLTimeoutException e) {
    return new CrdbException(
        ErrorCode.QUERY_TIMEOUT,
        "the statement was cancelled: it ran longer than the query timeout",
        "narrow the query (WHERE, LIMIT) or raise CRDB_QUERY_TIMEOUT",
        "57014",
        e);
  }

  private static boolean isTls(SQLException e, String lowerMessage) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException || t instanceof GeneralSecurityException) {
        return true;
      }
    }
    return lowerMessage.contains("ssl")
        || lowerMessage.contains("certificate")
        || lowerMessage.contains("secure mode")
        || lowerMessage.contains("hostnameverifier");
  }

  private static String tlsSuggestion(String lower, ConnectionSpec spec, Names n) {
    if (lower.contains("does not support ssl")) {
      return "the server does not offer TLS (sslmode="
          + spec.sslMode()
          + " requires it): set "
          + n.set("sslmode", "disable")
          + " for a server without TLS, or enable TLS on the server";
    }
    if (lower.contains("root certificate")) {
      return "set "
          + n.of("sslrootcert")
          + " to the CA certificate file that signed the server's certificate";
    }
    if (lower.contains("could not be verified") || lower.contains("hostname")) {
      return "the server's certificate does not name host '"
          + spec.host()
          + "': connect with a host name the certificate lists, or set "
          + n.set("sslmode", "verify-ca");
    }
    if (lower.contains("secure mode") || lower.contains("ssl connection required")) {
      return "the server accepts only TLS: set " + n.set("sslmode", "require") + " or verify-full";
    }
    return "check "
        + n.of("sslmode")
        + " and "
        + n.of("sslrootcert")
        + ": with verify-ca or verify-full the CA certificate must be the one that signed the"
        + " server's certificate (CockroachDB Cloud offers it for download); require encrypts"
        + " without verifying";
  }

  /**
   * The setting that holds a part of a connection, for next steps: for the default connection the
   * {@code CRDB_*} variable (or the part of {@code CRDB_URL}), for others the part of that named
   * connection.
   */
  private record Names(ConnectionSpec spec) {
    private static final Set<String> IN_URL =
        Set.of("host", "port", "user", "password", "database");

    /** "CRDB_SSLMODE=require", or "sslmode=require in connection 'x'". */
    String set(String part, String value) {
      if (!CrdbConfig.DEFAULT_CONNECTION.equals(spec.name())) {
        return part + "=" + value + " in connection '" + spec.name() + "'";
      }
      return "CRDB_"
          + part.toUpperCase(Locale.ROOT)
          + "="
          + value
          + " (or "
          + part
          + "="
          + value
          + " in CRDB_URL)";
    }

    /** "CRDB_PASSWORD and CRDB_USER (or the password and user in CRDB_URL)". */
    String of(String... parts) {
      String joined = String.join(" and ", parts);
      if (!CrdbConfig.DEFAULT_CONNECTION.equals(spec.name())) {
        return "the " + joined + " of connection '" + spec.name() + "'";
      }
      StringBuilder vars = new StringBuilder();
      boolean allInUrl = true;
      for (String p : parts) {
        vars.append(vars.length() == 0 ? "" : " and ")
            .append("CRDB_")
            .append(p.toUpperCase(Locale.ROOT));
        allInUrl &= IN_URL.contains(p);
      }
      return allInUrl ? vars + " (or the " + joined + " in CRDB_URL)" : vars.toString();
    }
  }

  private static String didYouMean(List<String> near, String otherwise) {
    if (near.isEmpty()) {
      return otherwise;
    }
    StringBuilder sb = new StringBuilder("did you mean ");
    for (int i = 0; i < near.size(); i++) {
      if (i > 0) {
        sb.append(i == near.size() - 1 ? " or " : ", ");
      }
      sb.append(near.get(i));
    }
    return sb.append('?').toString();
  }

  /**
   * What the database said: its message without the severity, DETAIL, HINT and POSITION. From the
   * server's error fields when the driver kept them, else from the driver's message.
   */
  record ServerSaid(String message, String detail, String hint, int position, String severity) {
    static ServerSaid of(SQLException e) {
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t instanceof PSQLException p && p.getServerErrorMessage() != null) {
          ServerErrorMessage m = p.getServerErrorMessage();
          if (m.getMessage() != null) {
            return new ServerSaid(
                m.getMessage(),
                blankToNull(m.getDetail()),
                blankToNull(m.getHint()),
                m.getPosition(),
                m.getSeverity());
          }
        }
      }
      return new ServerSaid(firstLine(e.getMessage()), null, null, 0, null);
    }

    ServerSaid withoutDetailAndHint() {
      return new ServerSaid(message, null, null, position, severity);
    }

    boolean fatal() {
      return "FATAL".equals(severity);
    }

    /** The message with the position, DETAIL and HINT, one per line. */
    String fullMessage() {
      return fullMessage("");
    }

    String fullMessage(String prefix) {
      StringBuilder sb = new StringBuilder(prefix).append(message);
      if (position > 0) {
        sb.append(" (at character ").append(position).append(')');
      }
      if (detail != null) {
        sb.append("\nDetail: ").append(detail);
      }
      if (hint != null) {
        sb.append("\nHint: ").append(hint);
      }
      return sb.toString();
    }

    CrdbException exception(
        ErrorCode code, String suggestion, String state, SQLException e, List<String> near) {
      return exception(code, "", suggestion, state, e, near);
    }

    CrdbException exception(
        ErrorCode code,
        String prefix,
        String suggestion,
        String state,
        SQLException e,
        List<String> near) {
      return new CrdbException(
          code, fullMessage(prefix), suggestion, state, e, detail, hint, position, near);
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s;
    }
  }

  static String sqlState(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (x.getSQLState() != null) {
        return x.getSQLState();
      }
    }
    Throwable c = e.getCause();
    if (c instanceof SQLException s && s.getSQLState() != null) {
      return s.getSQLState();
    }
    return null;
  }

  /**
   * HikariCP's timeout message ends with the pool's state: "(total=3, active=3, idle=0,
   * waiting=2)".
   */
  private static final Pattern POOL_STATE =
      Pattern.compile("total=(\\d+), active=(\\d+), idle=(\\d+), waiting=(\\d+)");

  /**
   * The pool's state from HikariCP's message, in words: whether every open connection was in use,
   * or the pool was still opening connections (a database slow to accept logins); empty when the
   * message has no state.
   */
  static String poolState(String hikariMessage) {
    Matcher m = POOL_STATE.matcher(hikariMessage == null ? "" : hikariMessage);
    if (!m.find()) {
      return ": all are busy";
    }
    int total = Integer.parseInt(m.group(1));
    int active = Integer.parseInt(m.group(2));
    String waiting = m.group(4) + (m.group(4).equals("1") ? " call" : " calls") + " waiting";
    if (active >= total) {
      return ": all are busy (" + active + " of " + total + " open in use, " + waiting + ")";
    }
    return ": only "
        + total
        + " were open ("
        + active
        + " in use, "
        + waiting
        + "): the database was slow to accept new ones";
  }

  private static SQLException sqlCause(SQLException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException s) {
        return s;
      }
    }
    return null;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r;
  }

  private static String rootMessage(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : firstLine(m);
  }

  /** Wraps a driver exception as {@link ErrorCode#SQL_ERROR}: {@link CrdbException#fromSql}. */
  public static CrdbException fromSql(SQLException e, String suggestion) {
    ServerSaid said = ServerSaid.of(e);
    return new CrdbException(
        ErrorCode.SQL_ERROR,
        said.fullMessage(),
        suggestion,
        e.getSQLState(),
        e,
        said.detail(),
        said.hint(),
        said.position(),
        List.of());
  }

  /** The first line of a driver message, without the severity prefix ("ERROR: ", "FATAL: "). */
  public static String firstLine(String s) {
    if (s == null) {
      return "unknown database error";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    for (String severity : List.of("ERROR: ", "FATAL: ", "PANIC: ")) {
      if (line.startsWith(severity)) {
        return line.substring(severity.length());
      }
    }
    return line;
  }

  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
