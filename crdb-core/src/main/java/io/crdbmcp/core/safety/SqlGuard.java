package io.crdbmcp.core.safety;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.ErrorCode;
import io.crdbmcp.core.Lazy;
import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.safety.StatementClassifier.Analysis;
import io.crdbmcp.core.safety.StatementClassifier.Rel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a statement may run, without executing anything. The threat model is a
 * prompt-injected model trying to write through a read-only server, read credentials or reach
 * hidden tables; whenever the statement is ambiguous the guard refuses.
 */
public final class SqlGuard {

  /** Catalogs holding password hashes or secrets; never readable. */
  private static final Set<String> CREDENTIAL_CATALOGS =
      Set.of("pg_authid", "pg_shadow", "pg_user_mapping", "pg_user_mappings", "pg_largeobject");

  /** Server configuration views: authentication rules, configuration files, build paths. */
  private static final Set<String> SERVER_CONFIG_VIEWS =
      Set.of(
          "pg_hba_file_rules",
          "pg_ident_file_mappings",
          "pg_file_settings",
          "pg_config",
          "pg_available_extension_versions");

  /** CockroachDB system tables (database {@code system}) holding credentials. */
  private static final Set<String> CRDB_CREDENTIAL_TABLES =
      Set.of("users", "role_options", "web_sessions");

  /** Utility commands refused whatever the policy: they hide SQL or change session state. */
  private static final Set<String> ALWAYS_REFUSED_UTILITY =
      Set.of(
          "DO",
          "PREPARE",
          "EXECUTE",
          "DEALLOCATE",
          "LISTEN",
          "UNLISTEN",
          "LOAD",
          "DISCARD",
          "COPY");

  /**
   * Statements up to this many characters have their decisions remembered ({@link #remembered});
   * longer ones are decided afresh every time, so the memory the cache holds stays small.
   */
  static final int REMEMBERED_SQL_LENGTH = 4096;

  /** How many decisions are remembered, for each of read-only and not. */
  static final int REMEMBERED_DECISIONS = 512;

  private final SafetyPolicy policy;

  /**
   * Recent decisions, by the exact statement text: one for read-only, one for not. A decision
   * depends on nothing but the text, the read-only flag and the policy, which is immutable and
   * fixed for this guard, so a remembered one is the one {@link #decideUnsafe} would make again.
   * Only what {@link #decideUnsafe} returned is remembered, never a refusal for an analysis that
   * failed (a stack overflow depends on the thread, not only on the text). A model repeats
   * statements (a retry, a next page, the same check again); the analysis of a one-row query was
   * about a quarter of the server's own time for the call (async-profiler, 2026-12-07). The
   * database's own checks ({@link DatabaseChecks}) still run on every call. The upkeep runs on the
   * calling thread: handing it to the common pool would wake one of its threads. Made at the first
   * decision, not with the guard: building the first Caffeine cache of a process (its generated
   * classes, found by reflection) was about 17 ms of the server's start, before the first answer
   * (async-profiler, 2026-12-07), and a guard decides nothing before the first tool call.
   */
  private final Lazy<Remembered> remembered = Lazy.of(Remembered::new);

  /** The two caches of {@link #remembered}. */
  private static final class Remembered {
    final Cache<String, Verdict> decisions = cache();
    final Cache<String, Verdict> readOnlyDecisions = cache();

    private static Cache<String, Verdict> cache() {
      return Caffeine.newBuilder()
          .maximumSize(REMEMBERED_DECISIONS)
          .executor(Runnable::run)
          .build();
    }
  }

  public SqlGuard(SafetyPolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public SafetyPolicy policy() {
    return policy;
  }

  /** Decides without executing anything. Never throws. */
  public Verdict check(String sql) {
    return decide(sql, policy.readOnly());
  }

  /** Like {@link #check} but read-only regardless of the policy. */
  public Verdict checkReadOnly(String sql) {
    return decide(sql, true);
  }

  /**
   * Returns the classification, or throws {@link CrdbException} with {@link ErrorCode#SQL_REFUSED}
   * when refused.
   */
  public Classification require(String sql, boolean readOnly) {
    Verdict v = decide(sql, readOnly || policy.readOnly());
    if (!v.allowed()) {
      // The verdict's message ends with the suggestion; the exception carries them apart.
      String problem = v.message();
      String suggestion = v.suggestion();
      if (suggestion != null && problem.endsWith(" " + suggestion)) {
        problem = problem.substring(0, problem.length() - suggestion.length() - 1);
      }
      throw new SqlRefusedException(v.rule(), problem, suggestion);
    }
    return v.classification();
  }

  private Verdict decide(String sql, boolean readOnly) {
    try {
      if (sql == null || sql.length() > REMEMBERED_SQL_LENGTH) {
        return decideUnsafe(sql, readOnly);
      }
      Remembered r = remembered.get();
      Cache<String, Verdict> cache = readOnly ? r.readOnlyDecisions : r.decisions;
      Verdict v = cache.getIfPresent(sql);
      if (v == null) {
        v = decideUnsafe(sql, readOnly);
        cache.put(sql, v);
      }
      return v;
    } catch (CrdbException e) {
      if (e.code() == ErrorCode.SQL_SYNTAX) {
        return Verdict.refuse(null, Rule.SYNTAX, e.getMessage() + ".");
      }
      return Verdict.refuse(null, Rule.SYNTAX, "the statement was not understood.");
    } catch (RuntimeException | StackOverflowError e) {
      // Fail closed on any bug. The analysis does not recurse with the input, so a stack overflow
      // here would be a bug too; refusing keeps the server up.
      return Verdict.refuse(null, Rule.SYNTAX, "the statement could not be analysed safely.");
    }
  }

  private Verdict decideUnsafe(String sql, boolean readOnly) {
    SqlLimits limits = new SqlLimits(policy.maxSqlLength(), policy.maxSqlDepth());
    String tooLong = limits.checkLength(sql);
    if (tooLong != null) {
      return Verdict.refuse(null, Rule.STATEMENT_TOO_LONG, tooLong + ".");
    }
    List<SqlToken> tokens = SqlLexer.tokenize(sql == null ? "" : sql);
    String tooDeep = limits.checkDepth(tokens);
    if (tooDeep != null) {
      return Verdict.refuse(null, Rule.NESTING_TOO_DEEP, tooDeep + ".");
    }
    List<List<SqlToken>> stmts = SqlLexer.splitTokens(tokens);
    if (stmts.isEmpty()) {
      Classification c =
          new Classification(
              StatementKind.EMPTY, "", false, List.of(), List.of(), List.of("empty statement"));
      return Verdict.refuse(c, Rule.EMPTY_STATEMENT, "no SQL statement was given.");
    }
    if (stmts.size() > 1) {
      Classification c = StatementClassifier.classify(sql);
      return Verdict.refuse(
          c,
          Rule.MULTIPLE_STATEMENTS,
          "the text contains "
              + stmts.size()
              + " statements separated by ';' and exactly one is allowed per call.");
    }
    String unbalanced = unbalanced(stmts.get(0));
    if (unbalanced != null) {
      return Verdict.refuse(StatementClassifier.classify(sql), Rule.SYNTAX, unbalanced + ".");
    }
    Analysis a = StatementClassifier.analyze(stmts.get(0));
    Classification c = a.classification();
    List<SqlToken> t = a.tokens;
    String cmd = c.command().isEmpty() ? "statement" : c.command();

    // 0. With access control configured, catalogs that hold sample values or full table
    // definitions would reveal blocked tables and columns.
    if (policy.hasAccessControls()) {
      String stats = statisticsCatalog(t);
      if (stats != null) {
        return Verdict.refuse(
            c,
            Rule.STATISTICS_CATALOG,
            stats + " can reveal values or definitions of blocked tables and columns.");
      }
    }

    // 1. Credential catalogs, whatever the policy.
    String cred = credentialCatalog(a);
    if (cred != null) {
      return Verdict.refuse(
          c,
          Rule.CREDENTIAL_CATALOG,
          "the statement references " + cred + ", which holds credentials and is never readable.");
    }

    for (SqlToken tok : t) {
      if (tok.isIdentifier() && SERVER_CONFIG_VIEWS.contains(lower(tok.value()))) {
        return Verdict.refuse(
            c,
            Rule.SERVER_CONFIG,
            tok.value() + " shows the server's authentication or configuration files.");
      }
    }

    // 2. Server files and programs, whatever the policy. A name after "." may be a call too:
    // ('/etc/passwd'::text).pg_read_file is pg_read_file('/etc/passwd') (attribute notation).
    for (String f : c.functions()) {
      if (FunctionRules.isFileAccess(f)) {
        return Verdict.refuse(
            c, Rule.FILE_ACCESS, f + "() reads or writes files on the database server.");
      }
    }
    for (String f : a.possibleCalls) {
      if (FunctionRules.isFileAccess(f)) {
        return Verdict.refuse(
            c,
            Rule.FILE_ACCESS,
            f
                + " (attribute notation for "
                + f
                + "(...)) reads or writes files on the database server.");
      }
      if (FunctionRules.isDynamicSql(f)) {
        return Verdict.refuse(
            c,
            Rule.DANGEROUS_FUNCTION,
            f
                + " (attribute notation for "
                + f
                + "(...)) runs SQL text that the safety layer cannot inspect.");
      }
    }
    if ("FILE".equals(a.copyTarget) || "PROGRAM".equals(a.copyTarget)) {
      return Verdict.refuse(
          c,
          Rule.FILE_ACCESS,
          "COPY to or from a server "
              + ("PROGRAM".equals(a.copyTarget) ? "program" : "file")
              + " is never allowed.");
    }

    // 3. Functions that crash or corrupt the cluster, or run SQL text unseen.
    for (String f : c.functions()) {
      if (FunctionRules.isDangerous(f)) {
        return Verdict.refuse(
            c, Rule.DANGEROUS_FUNCTION, f + "() can crash or corrupt the cluster.");
      }
      if (FunctionRules.isDynamicSql(f)) {
        return Verdict.refuse(
            c,
            Rule.DANGEROUS_FUNCTION,
            f + "() runs SQL text that the safety layer cannot inspect.");
      }
    }

    // 4. Transactions and session state are managed by the server.
    if (c.kind() == StatementKind.TRANSACTION_CONTROL) {
      return Verdict.refuse(c, Rule.TRANSACTION_CONTROL, cmd + " controls a transaction.");
    }
    if (a.database != null && !policy.isDatabaseVisible(a.database)) {
      return Verdict.refuse(
          c, Rule.BLOCKED_DATABASE, "database " + a.database + " is blocked by configuration.");
    }
    for (Rel r : a.rels) {
      List<String> p = r.parts();
      if (p.size() >= 2 && !policy.isDatabaseVisible(p.get(0))) {
        return Verdict.refuse(
            c,
            Rule.BLOCKED_DATABASE,
            r.name() + " is in database " + p.get(0) + ", which is blocked by configuration.");
      }
    }
    if (c.kind() == StatementKind.SESSION_SETTING) {
      return Verdict.refuse(
          c, Rule.SESSION_CHANGE, cmd + " changes session state, which the server" + " manages.");
    }
    if (c.kind() == StatementKind.UTILITY && ALWAYS_REFUSED_UTILITY.contains(cmd)
        || "COPY".equals(cmd)) {
      return Verdict.refuse(c, Rule.UTILITY, cmd + " is not available through the query tools.");
    }

    // 5. Access control.
    if (policy.hasAccessControls()) {
      String catalog = catalogUse(a, c);
      if (catalog != null) {
        return Verdict.refuse(
            c,
            Rule.CATALOG_ACCESS,
            catalog + " can reveal names or definitions that the access rules hide.");
      }
    }
    Verdict v = accessControl(a, c, t);
    if (v != null) {
      return v;
    }

    // 6. Blocked commands, including nested ones.
    List<String> commands = new ArrayList<>();
    commands.add(c.command());
    commands.addAll(a.nestedCommands);
    for (String command : commands) {
      String blocked = blockedBy(command);
      if (blocked != null) {
        return Verdict.refuse(
            c,
            Rule.BLOCKED_COMMAND,
            command + " is blocked by configuration (rule '" + blocked + "').");
      }
    }

    // 7. Read-only mode.
    if (readOnly) {
      for (String f : c.functions()) {
        if (FunctionRules.isSideEffect(f)) {
          return Verdict.refuse(
              c,
              Rule.SIDE_EFFECT_FUNCTION,
              f
                  + "() has side effects (or runs SQL text unseen), and this statement may only"
                  + " read (a read-only server or connection, or a tool that only reads, such as"
                  + " an export).");
        }
      }
      if (c.writes() || c.kind() != StatementKind.READ) {
        String why = c.reasons().isEmpty() ? "" : " (" + String.join("; ", c.reasons()) + ")";
        return Verdict.refuse(
            c,
            Rule.READ_ONLY,
            cmd
                + " can change data or state"
                + why
                + ", and this statement may only read (a read-only server or connection, or a"
                + " tool that only reads, such as an export).");
      }
    }
    return Verdict.allow(c);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static String credentialCatalog(Analysis a) {
    for (SqlToken tok : a.tokens) {
      if (tok.isIdentifier() && CREDENTIAL_CATALOGS.contains(lower(tok.value()))) {
        return tok.value();
      }
    }
    List<SqlToken> t = a.tokens;
    for (int k = 0; k + 2 < t.size(); k++) {
      if (t.get(k).isIdentifier() && lower(t.get(k).value()).equals("system")) {
        // system.users, system.public.users
        int j = k + 1;
        while (j + 1 < t.size() && t.get(j).is(".") && t.get(j + 1).isIdentifier()) {
          String part = lower(t.get(j + 1).value());
          if (CRDB_CREDENTIAL_TABLES.contains(part)) {
            return "system." + part;
          }
          j += 2;
        }
      }
    }
    return null;
  }

  private Verdict accessControl(Analysis a, Classification c, List<SqlToken> t) {
    // Blocked tables: any relation, and conservatively any identifier naming one.
    if (!policy.blockedTables().isEmpty()) {
      for (Rel r : a.rels) {
        if (policy.isTableBlocked(r.schema(), r.table())) {
          return blockedTable(c, r.name());
        }
      }
      Set<String> names = new HashSet<>();
      for (String e : policy.blockedTables()) {
        names.add(SafetyPolicy.tablePart(e));
      }
      for (SqlToken tok : t) {
        if (tok.isIdentifier() && names.contains(lower(tok.value()))) {
          return blockedTable(c, tok.value());
        }
      }
      if (a.numericTableRef) {
        return Verdict.refuse(
            c,
            Rule.BLOCKED_TABLE,
            "numeric table references ([id AS t]) bypass table-level" + " access control.");
      }
    }

    // Blocked columns. Each pass below is one walk over the tokens, whatever the number of
    // relations, so a statement naming a table thousands of times costs linear time.
    if (!policy.blockedColumns().isEmpty()) {
      Map<String, Rel> blockedColumnOwners = new HashMap<>();
      List<Rel> covered = new ArrayList<>();
      for (Rel r : a.rels) {
        Set<String> cols = policy.blockedColumnsOf(r.schema(), r.table());
        if (cols.isEmpty()) {
          continue;
        }
        covered.add(r);
        for (String col : cols) {
          blockedColumnOwners.putIfAbsent(col, r);
        }
      }
      if (!covered.isEmpty()) {
        for (SqlToken tok : t) {
          Rel owner = tok.isIdentifier() ? blockedColumnOwners.get(lower(tok.value())) : null;
          if (owner != null) {
            return Verdict.refuse(
                c,
                Rule.BLOCKED_COLUMN,
                "column "
                    + lower(tok.value())
                    + " of "
                    + owner.name()
                    + " is blocked by configuration.");
          }
        }
        if (usesStar(t) || c.command().equals("TABLE")) {
          return Verdict.refuse(
              c,
              Rule.BLOCKED_COLUMN,
              covered.get(0).name()
                  + " has blocked columns and the statement"
                  + " selects * from it.");
        }
        String[] whole = wholeRowReference(a, t, covered);
        if (whole != null) {
          return Verdict.refuse(
              c,
              Rule.BLOCKED_COLUMN,
              whole[1]
                  + " has blocked columns and the statement"
                  + " uses the whole row ("
                  + whole[0]
                  + ").");
        }
      }
      if (a.numericTableRef) {
        return Verdict.refuse(
            c,
            Rule.BLOCKED_COLUMN,
            "numeric table references ([id AS t]) bypass column-level" + " access control.");
      }
    }

    // Allowed schemas.
    for (Rel r : a.rels) {
      String schema = r.schema();
      if (schema != null && !policy.isSchemaVisible(schema)) {
        return Verdict.refuse(
            c,
            Rule.SCHEMA_NOT_ALLOWED,
            "schema "
                + schema
                + " (in "
                + r.name()
                + ") is not among the allowed schemas "
                + policy.allowedSchemas()
                + ".");
      }
    }

    // Allowed tables.
    if (!policy.allowedTables().isEmpty()) {
      for (Rel r : a.rels) {
        String schema = r.schema();
        boolean catalog = schema == null ? lower(r.table()).startsWith("pg_") : false;
        if (!catalog && !policy.isTableAllowed(schema, r.table())) {
          return Verdict.refuse(
              c, Rule.TABLE_NOT_ALLOWED, r.name() + " is not in the allowed tables.");
        }
      }
      if (a.numericTableRef) {
        return Verdict.refuse(
            c,
            Rule.TABLE_NOT_ALLOWED,
            "numeric table references ([id AS t]) are not" + " allowed.");
      }
    }
    return null;
  }

  /**
   * While access control is configured, system catalogs and the functions and types that turn names
   * into definitions are closed: the schema tools show the visible schema instead.
   */
  private static String catalogUse(Analysis a, Classification c) {
    for (Rel r : a.rels) {
      String schema = r.schema();
      if (schema != null && DatabaseChecks.CATALOG_SCHEMAS.contains(lower(schema))) {
        return r.name();
      }
      if (schema == null && lower(r.table()).startsWith("pg_")) {
        return r.name();
      }
    }
    for (String f : c.functions()) {
      if (FunctionRules.isCatalogInfo(f)) {
        return f + "()";
      }
    }
    for (SqlToken tok : a.tokens) {
      if (tok.isIdentifier() && FunctionRules.OBJECT_ID_TYPES.contains(lower(tok.value()))) {
        return "the type " + tok.value();
      }
    }
    return null;
  }

  private static Verdict blockedTable(Classification c, String name) {
    return Verdict.refuse(c, Rule.BLOCKED_TABLE, "table " + name + " is blocked by configuration.");
  }

  /** True if a {@code *} is used as a column wildcard rather than multiplication/count(*). */
  static boolean usesStar(List<SqlToken> t) {
    for (int k = 1; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (!tok.is("*")) {
        continue;
      }
      SqlToken prev = t.get(k - 1);
      if (prev.is(".")
          || prev.is(",")
          || prev.isWord("select")
          || prev.isWord("distinct")
          || prev.isWord("all")
          || prev.isWord("returning")) {
        return true;
      }
      if (prev.is(")")) {
        // SELECT DISTINCT ON (a) *
        int open = openingOf(t, k - 1);
        if (open >= 2 && t.get(open - 1).isWord("on") && t.get(open - 2).isWord("distinct")) {
          return true;
        }
      }
    }
    return false;
  }

  private static int openingOf(List<SqlToken> t, int close) {
    int d = 0;
    for (int k = close; k >= 0; k--) {
      if (t.get(k).is(")") || t.get(k).is("]")) {
        d++;
      } else if (t.get(k).is("(") || t.get(k).is("[")) {
        d--;
        if (d == 0) {
          return k;
        }
      }
    }
    return -1;
  }

  /** A use of the table name or its alias as a value (whole-row reference), or null. */
  /**
   * An unqualified reference to a whole row of one of the covered relations (its table name or
   * alias used as a value), as {reference, relation}; null when there is none.
   */
  private static String[] wholeRowReference(Analysis a, List<SqlToken> t, List<Rel> covered) {
    Map<String, Rel> names = new HashMap<>();
    for (Rel r : covered) {
      names.putIfAbsent(lower(r.table()), r);
      if (r.aliasIndex() >= 0) {
        names.putIfAbsent(lower(t.get(r.aliasIndex()).value()), r);
      }
    }
    boolean[] declarations = new boolean[t.size()];
    for (Rel other : a.rels) {
      for (int k = Math.max(0, other.from()); k <= other.to() && k < t.size(); k++) {
        declarations[k] = true;
      }
      if (other.aliasIndex() >= 0 && other.aliasIndex() < t.size()) {
        declarations[other.aliasIndex()] = true;
      }
    }
    for (int k = 0; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      Rel r = tok.isIdentifier() && !declarations[k] ? names.get(lower(tok.value())) : null;
      if (r == null) {
        continue;
      }
      boolean qualifier = k + 1 < t.size() && t.get(k + 1).is(".");
      boolean qualified = k > 0 && t.get(k - 1).is(".");
      if (!qualifier && !qualified) {
        return new String[] {tok.value(), r.name()};
      }
    }
    return null;
  }

  /** Compiled once: String.split("\\s+") compiles its pattern at every call (a call's hot path). */
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  /** The configured entry blocking this command, or null. */
  private String blockedBy(String command) {
    if (command == null || command.isBlank()) {
      return null;
    }
    List<String> words = List.of(WHITESPACE.split(command.toUpperCase(Locale.ROOT)));
    List<String> alias = new ArrayList<>(words);
    if (alias.size() >= 2
        && Set.of("CREATE", "DROP", "ALTER").contains(alias.get(0))
        && Set.of("ROLE", "GROUP").contains(alias.get(1))) {
      alias.set(1, "USER");
    }
    for (String entry : policy.blockedCommands()) {
      List<String> e = List.of(entry.split(" "));
      if (startsWith(words, e) || startsWith(alias, e)) {
        return entry;
      }
    }
    return null;
  }

  private static boolean startsWith(List<String> words, List<String> prefix) {
    return words.size() >= prefix.size() && words.subList(0, prefix.size()).equals(prefix);
  }

  /** Catalogs with column statistics (sample values) or whole-schema definitions. */
  private static final Set<String> STATISTICS_CATALOGS =
      Set.of(
          "pg_stats",
          "pg_statistic",
          "pg_stats_ext",
          "pg_stats_ext_exprs",
          "pg_statistic_ext",
          "pg_statistic_ext_data",
          "create_statements",
          "create_type_statements",
          "create_function_statements",
          "create_procedure_statements",
          "table_row_statistics");

  private static String statisticsCatalog(List<SqlToken> tokens) {
    for (int i = 0; i < tokens.size(); i++) {
      SqlToken tok = tokens.get(i);
      if (tok.isIdentifier() && STATISTICS_CATALOGS.contains(lower(tok.value()))) {
        return tok.value();
      }
      if (tok.isWord("show") && i + 1 < tokens.size()) {
        SqlToken next = tokens.get(i + 1);
        if (next.isWord("statistics")) {
          return "SHOW STATISTICS";
        }
        if (next.isWord("create")
            && i + 2 < tokens.size()
            && (tokens.get(i + 2).isWord("all") || tokens.get(i + 2).isWord("allschemas"))) {
          return "SHOW CREATE ALL";
        }
      }
    }
    return null;
  }

  /**
   * Parentheses and brackets must balance: a statement that closes more than it opens could break
   * out of the text the server wraps around it (as {@code COPY (...) TO STDOUT} does).
   */
  private static String unbalanced(List<SqlToken> tokens) {
    int paren = 0;
    int bracket = 0;
    for (SqlToken tok : tokens) {
      if (tok.is("(")) {
        paren++;
      } else if (tok.is(")")) {
        paren--;
      } else if (tok.is("[")) {
        bracket++;
      } else if (tok.is("]")) {
        bracket--;
      }
      if (paren < 0 || bracket < 0) {
        return "a closing " + (paren < 0 ? "parenthesis" : "bracket") + " has no opening one";
      }
    }
    if (paren != 0 || bracket != 0) {
      return "an opening " + (paren != 0 ? "parenthesis" : "bracket") + " is not closed";
    }
    return null;
  }
}
