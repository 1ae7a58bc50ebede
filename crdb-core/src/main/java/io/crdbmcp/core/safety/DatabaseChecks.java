package io.crdbmcp.core.safety;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.Lazy;
import io.crdbmcp.core.SqlRefusedException;
import io.crdbmcp.core.safety.StatementClassifier.Analysis;
import io.crdbmcp.core.safety.StatementClassifier.Rel;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.Parser;

/**
 * The checks the database makes for us, on the connection and inside the transaction that will run
 * a user's statement, after {@link SqlGuard} allowed it and before anything of it executes.
 *
 * <ul>
 *   <li><b>One statement, by the database's own parser.</b> The driver must see exactly one
 *       statement, and it sends it as one Parse message of the extended protocol, which PostgreSQL
 *       and CockroachDB refuse when it holds several. A lexer disagreement can no longer turn one
 *       statement into two.
 *   <li><b>Functions by policy.</b> In read-only mode (and whenever access control is configured)
 *       each called name is looked up in {@code pg_proc}: built-in functions run when they are
 *       immutable or stable (volatile ones only from a short list of harmless ones); a name that
 *       also exists outside the system schemas (a user-defined function, which overload resolution
 *       might pick) runs only when the operator allowed it ({@code CRDB_ALLOWED_FUNCTIONS}).
 *       User-defined operators are refused the same way.
 *   <li><b>What the statement reads, from its plan.</b> With access control configured, {@code
 *       EXPLAIN (VERBOSE, FORMAT JSON)} names every relation scanned and every column used, after
 *       aliases, CTEs, views and parentheses are resolved; the result description names the table
 *       and column behind each output column. Any blocked relation or column, any whole-row use of
 *       a table with blocked columns, and any system catalog is refused.
 * </ul>
 */
public final class DatabaseChecks {
  /**
   * Made at the first plan read, not when this class loads (at every server start, before the first
   * answer): a mapper of its own there waited on the JSON warm-up thread's Jackson start-up.
   */
  private static final Lazy<ObjectMapper> JSON = Lazy.of(ObjectMapper::new);

  /** Volatile built-ins that change nothing outside their own result. */
  private static final Set<String> SAFE_VOLATILE =
      Set.of(
          "random",
          "random_normal",
          "gen_random_uuid",
          "uuid_generate_v4",
          "clock_timestamp",
          "timeofday",
          "now",
          "statement_timestamp",
          "transaction_timestamp",
          "unique_rowid",
          "gen_random_ulid",
          "experimental_strftime",
          "experimental_strptime");

  /** Schemas whose functions are the database's own. */
  private static final Set<String> BUILTIN_SCHEMAS =
      Set.of("pg_catalog", "information_schema", "crdb_internal");

  /** Schemas of the system catalogs; refused while access control is configured. */
  static final Set<String> CATALOG_SCHEMAS =
      Set.of("pg_catalog", "information_schema", "crdb_internal", "pg_toast", "pg_extension");

  /** Fields of a JSON plan node that name things rather than hold expressions. */
  private static final Set<String> NON_EXPRESSION_FIELDS =
      Set.of(
          "Node Type",
          "Relation Name",
          "Schema",
          "Alias",
          "Parent Relationship",
          "Strategy",
          "Partial Mode",
          "Join Type",
          "Index Name",
          "Scan Direction",
          "Operation",
          "CTE Name",
          "Subplan Name",
          "Command",
          "Function Name",
          "Sort Method",
          "Sort Space Type",
          "Conflict Resolution");

  /** The extension a function belongs to (installed by an administrator), or null. */
  private static final String EXTENSION_MEMBER =
      "(SELECT e.extname::text FROM pg_catalog.pg_depend d"
          + " JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid"
          + " WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid"
          + " AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'"
          + " LIMIT 1)";

  /**
   * Extensions whose functions are judged like built-ins (by volatility): they compute over their
   * arguments and neither run SQL text nor read relations, files or server internals by name.
   * Functions of any other extension ({@code dblink}, {@code tablefunc}'s crosstab, {@code xml2}'s
   * xpath_table, {@code pageinspect}, {@code pgstattuple}, {@code pg_buffercache} ...) run only
   * when an operator allows them by name, like user-defined functions.
   */
  static final Set<String> SAFE_EXTENSIONS =
      Set.of(
          "pgcrypto",
          "uuid-ossp",
          "citext",
          "hstore",
          "pg_trgm",
          "fuzzystrmatch",
          "unaccent",
          "ltree",
          "cube",
          "earthdistance",
          "intarray",
          "isn",
          "seg",
          "btree_gin",
          "btree_gist",
          "bloom",
          "tsm_system_rows",
          "tsm_system_time",
          "vector",
          "postgis",
          "postgis_raster",
          "postgis_topology",
          "postgis_sfcgal",
          "plpgsql");

  private static final String FUNCTIONS_SQL =
      "SELECT p.proname, n.nspname, p.provolatile::text, "
          + EXTENSION_MEMBER
          // Callable with one argument (attribute notation); unknown counts count as callable.
          + ", COALESCE(p.pronargs, 1) - COALESCE(p.pronargdefaults, 0) <= 1"
          + " AND COALESCE(p.pronargs, 1) >= 1"
          + " FROM pg_catalog.pg_proc p"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
          + " WHERE p.proname = ANY (?)";

  /** User-defined operators (outside pg_catalog) and the function each one calls. */
  private static final String OPERATORS_SQL =
      "SELECT o.oprname, n.nspname, p.proname, pn.nspname, p.provolatile::text, "
          + EXTENSION_MEMBER
          + " FROM pg_catalog.pg_operator o"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace"
          + " JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode"
          + " JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace"
          + " WHERE o.oprname = ANY (?) AND n.nspname <> 'pg_catalog'";

  private static final String COLUMNS_SQL =
      "SELECT a.attname FROM pg_catalog.pg_attribute a"
          + " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped"
          + " ORDER BY a.attnum";

  private final SafetyPolicy policy;

  public DatabaseChecks(SafetyPolicy policy) {
    this.policy = policy;
  }

  /** A statement that passed {@link SqlGuard}, as the driver will send it. */
  public record Statement(String sql, String jdbcSql, List<Object> values) {}

  /**
   * Checks {@code stmt} on {@code c}, inside the transaction that will run it. Throws {@link
   * SqlRefusedException} when refused; nothing of the statement has executed then.
   *
   * @param readOnly whether the call is read-only (server, connection or caller)
   * @param cockroach whether {@code c} is connected to CockroachDB
   */
  public void vet(Connection c, Statement stmt, boolean readOnly, boolean cockroach)
      throws SQLException {
    try {
      vetUnredacted(c, stmt, readOnly, cockroach);
    } catch (SqlRefusedException e) {
      throw redacted(e, stmt.sql());
    }
  }

  private void vetUnredacted(Connection c, Statement stmt, boolean readOnly, boolean cockroach)
      throws SQLException {
    boolean scs = standardConformingStrings(c);
    requireOneDriverStatement(stmt.jdbcSql(), scs);
    List<SqlToken> tokens = SqlLexer.tokenize(stmt.sql());
    List<List<SqlToken>> parts = SqlLexer.splitTokens(tokens);
    if (parts.size() != 1) {
      throw refuse(Rule.MULTIPLE_STATEMENTS, "the text does not hold exactly one statement.");
    }
    boolean access = policy.hasAccessControls();
    if (!readOnly && !access) {
      // Nothing below applies; the analysis alone was about 3% of a one-row call's CPU.
      return;
    }
    Analysis a = StatementClassifier.analyze(parts.get(0));
    checkFunctions(c, a, readOnly, access);
    ParseTree tree = null;
    if (!cockroach) {
      tree = parseTree(c, stmt);
      checkParseTree(c, tree, readOnly, access);
    }
    if (access) {
      List<SqlToken> inner = plannable(a);
      if (inner == null) {
        checkNotAnalysable(a, tree);
      } else {
        checkPlan(c, stmt, a, inner, cockroach);
      }
    }
  }

  // ---------------------------------------------------------------- the database's parse tree

  /**
   * The longest statement whose parse tree is read. The tree is larger than the text (tens of
   * times, more for wide tables), so longer statements are refused where the tree is needed (read-
   * only calls and access control on PostgreSQL) rather than shipped as tens of megabytes.
   */
  public static final int MAX_ANALYSED_LENGTH = 64_000;

  private static final String FUNCTIONS_BY_OID =
      "SELECT p.oid, p.proname, n.nspname, p.provolatile::text, "
          + EXTENSION_MEMBER
          + " FROM pg_catalog.pg_proc p"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
          + " WHERE p.oid = ANY (?)";

  private static final String OPERATORS_BY_OID =
      "SELECT o.oid, o.oprname, n.nspname, o.oprcode::oid"
          + " FROM pg_catalog.pg_operator o"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace"
          + " WHERE o.oid = ANY (?)";

  /**
   * Functions and operators the CHECK constraints of domains (and of the domains they are based on)
   * depend on: what coercing a value to the domain runs.
   */
  private static final String DOMAIN_CHECKS =
      "WITH RECURSIVE d(oid) AS (SELECT unnest(?::oid[])"
          + " UNION SELECT t.typbasetype FROM pg_catalog.pg_type t JOIN d ON t.oid = d.oid"
          + " WHERE t.typtype = 'd')"
          + " SELECT DISTINCT dep.refclassid = 'pg_catalog.pg_proc'::regclass, dep.refobjid"
          + " FROM d JOIN pg_catalog.pg_constraint k ON k.contypid = d.oid"
          + " JOIN pg_catalog.pg_depend dep ON dep.classid = 'pg_catalog.pg_constraint'::regclass"
          + " AND dep.objid = k.oid AND dep.refclassid IN"
          + " ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_operator'::regclass)";

  private static final String RELATIONS_BY_OID =
      "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY (?)";

  private static final String COLUMN_NAMES =
      "SELECT a.attrelid, a.attname FROM pg_catalog.pg_attribute a"
          + " JOIN (SELECT unnest(?::oid[]) AS r, unnest(?::int2[]) AS n) u"
          + " ON a.attrelid = u.r AND a.attnum = u.n";

  /** Catalogs never readable (credentials, server configuration files), by name in pg_catalog. */
  private static final Map<String, Rule> NEVER_READ =
      Map.of(
          "pg_authid", Rule.CREDENTIAL_CATALOG,
          "pg_shadow", Rule.CREDENTIAL_CATALOG,
          "pg_user_mapping", Rule.CREDENTIAL_CATALOG,
          "pg_user_mappings", Rule.CREDENTIAL_CATALOG,
          "pg_largeobject", Rule.CREDENTIAL_CATALOG,
          "pg_hba_file_rules", Rule.SERVER_CONFIG,
          "pg_ident_file_mappings", Rule.SERVER_CONFIG,
          "pg_file_settings", Rule.SERVER_CONFIG,
          "pg_config", Rule.SERVER_CONFIG);

  /**
   * Has PostgreSQL parse the statement (one Parse message, nothing planned or run) with {@code
   * debug_print_parse} on for this transaction only, and reads the tree it sends back.
   */
  static ParseTree parseTree(Connection c, Statement stmt) throws SQLException {
    if (stmt.jdbcSql().length() > MAX_ANALYSED_LENGTH) {
      throw refuse(
          Rule.STATEMENT_TOO_LONG,
          "the statement is "
              + String.format(Locale.ROOT, "%,d", stmt.jdbcSql().length())
              + " characters long, and in read-only mode or with access control the database's"
              + " own analysis of a statement is read, which is limited to "
              + String.format(Locale.ROOT, "%,d", MAX_ANALYSED_LENGTH)
              + " characters.");
    }
    String minMessages;
    String pretty;
    try (java.sql.Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT current_setting('client_min_messages'),"
                    + " current_setting('debug_pretty_print'),"
                    + " set_config('debug_print_parse', 'on', true),"
                    + " set_config('debug_pretty_print', 'off', true),"
                    + " set_config('client_min_messages', 'log', true)")) {
      rs.next();
      minMessages = rs.getString(1);
      pretty = rs.getString(2);
    }
    StringBuilder text = new StringBuilder();
    int trees = 0;
    boolean failed = true;
    try {
      try (PreparedStatement ps = c.prepareStatement(stmt.jdbcSql())) {
        for (int i = 0; i < stmt.values().size(); i++) {
          ps.setObject(i + 1, stmt.values().get(i));
        }
        ps.getMetaData();
        for (java.sql.SQLWarning w = ps.getWarnings(); w != null; w = w.getNextWarning()) {
          if (w instanceof org.postgresql.util.PSQLWarning pw
              && pw.getServerErrorMessage() != null
              && "parse tree:".equals(pw.getServerErrorMessage().getMessage())
              && pw.getServerErrorMessage().getDetail() != null) {
            text.append(pw.getServerErrorMessage().getDetail()).append('\n');
            trees++;
          }
        }
      }
      failed = false;
    } finally {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT set_config('debug_print_parse', 'off', true),"
                  + " set_config('debug_pretty_print', ?, true),"
                  + " set_config('client_min_messages', ?, true)")) {
        ps.setString(1, pretty);
        ps.setString(2, minMessages);
        ps.executeQuery().close();
      } catch (SQLException e) {
        if (!failed) {
          throw e;
        } // else the transaction is aborted anyway; the first failure is the one to report
      }
    }
    if (trees == 0) {
      throw refuse(
          Rule.NOT_ANALYSABLE,
          "the database did not show its analysis of the statement (debug_print_parse), so the"
              + " functions and relations it uses cannot be checked");
    }
    // Column sets are shifted by FirstLowInvalidHeapAttributeNumber: -7 since PostgreSQL 12
    // (which dropped the oid system column), -8 before.
    boolean v12 =
        !c.isWrapperFor(BaseConnection.class)
            || c.unwrap(BaseConnection.class)
                .haveMinimumServerVersion(org.postgresql.core.ServerVersion.v12);
    return ParseTree.parse(text.toString(), v12 ? 7 : 8);
  }

  /**
   * The checks made on the database's own parse tree: every function it resolved (also through
   * attribute notation, operators, casts and domain checks) by object id, and with access control
   * every relation and column it reads; credential catalogs and configuration files always.
   */
  private void checkParseTree(Connection c, ParseTree tree, boolean readOnly, boolean access)
      throws SQLException {
    // Functions, each with how the statement reaches it.
    Map<Long, String> via = new LinkedHashMap<>();
    Map<Long, String> userOperator = new HashMap<>(); // function -> schema of its operator
    for (long f : tree.functions) {
      via.putIfAbsent(f, null);
    }
    Set<Long> operators = new LinkedHashSet<>(tree.operators);
    if (!tree.domains.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(DOMAIN_CHECKS)) {
        ps.setArray(1, c.createArrayOf("oid", tree.domains.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            if (rs.getBoolean(1)) {
              via.putIfAbsent(rs.getLong(2), "(called by a domain's CHECK constraint)");
            } else {
              operators.add(rs.getLong(2));
            }
          }
        }
      }
    }
    if (!operators.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(OPERATORS_BY_OID)) {
        ps.setArray(1, c.createArrayOf("oid", operators.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long fn = rs.getLong(4);
            String schema = rs.getString(3);
            via.put(fn, "the operator " + schema + "." + rs.getString(2));
            if (!"pg_catalog".equals(schema)) {
              userOperator.put(fn, schema);
            }
          }
        }
      }
    }
    if (!via.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(FUNCTIONS_BY_OID)) {
        ps.setArray(1, c.createArrayOf("oid", via.keySet().toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long oid = rs.getLong(1);
            Fn f = new Fn(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
            String how = via.get(oid);
            String written =
                how == null
                    ? f.schema + "." + f.name
                    : how.startsWith("the operator ")
                        ? how + " (" + f.schema + "." + f.name + ")"
                        : f.schema + "." + f.name + "() " + how;
            checkKnownRules(written, f, readOnly, access);
            if (allowed(f.schema + "." + f.name)) {
              continue;
            }
            String opSchema = userOperator.get(oid);
            checkFunction(
                written,
                opSchema == null ? f : new Fn(f.name, opSchema, f.volatility, f.extension),
                readOnly);
          }
        }
      }
    }

    // Relations.
    if (tree.relations.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(RELATIONS_BY_OID)) {
      ps.setArray(1, c.createArrayOf("oid", tree.relations.keySet().toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        List<Object[]> rels = new ArrayList<>();
        while (rs.next()) {
          rels.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3)});
        }
        List<Long> relids = new ArrayList<>();
        List<Integer> attnums = new ArrayList<>();
        Map<Long, String> names = new HashMap<>();
        Map<Long, Set<String>> blockedByRel = new HashMap<>();
        Map<String, List<String[]>> ancestry = Map.of();
        if (access) {
          List<String[]> named = new ArrayList<>();
          for (Object[] r : rels) {
            named.add(new String[] {(String) r[1], (String) r[2]});
          }
          ancestry = ancestors(c, named);
        }
        for (Object[] r : rels) {
          long relid = (Long) r[0];
          String schema = (String) r[1];
          String table = (String) r[2];
          Rule never = "pg_catalog".equals(schema) ? NEVER_READ.get(table) : null;
          if (never != null) {
            throw refuse(
                never,
                "the statement reads "
                    + schema
                    + "."
                    + table
                    + (never == Rule.CREDENTIAL_CATALOG
                        ? ", which holds credentials and is never readable."
                        : ", which shows the server's authentication or configuration files."));
          }
          if (!access) {
            continue;
          }
          checkRelation(schema, table);
          String name = schema + "." + table;
          Set<String> blockedHere =
              blockedColumnsWithAncestors(schema, table, ancestry.getOrDefault(name, List.of()));
          if (blockedHere.isEmpty()) {
            continue;
          }
          blockedByRel.put(relid, blockedHere);
          Set<Integer> used = tree.relations.get(relid);
          if (used == null) {
            throw notAnalysed(
                "the database's analysis does not list the columns used of " + hidden(name));
          }
          if (used.contains(0)) {
            throw refuse(
                Rule.BLOCKED_COLUMN,
                hidden(name) + " has blocked columns and the statement uses its whole row.");
          }
          names.put(relid, schema + "\u0000" + table);
          for (int n : used) {
            if (n > 0) {
              relids.add(relid);
              attnums.add(n);
            }
          }
        }
        checkTreeColumns(c, names, blockedByRel, relids, attnums);
      }
    }
  }

  /**
   * The columns the parse tree says a statement uses (relation and attribute number pairs), against
   * the blocked columns, in one catalog query whatever their number.
   */
  private void checkTreeColumns(
      Connection c,
      Map<Long, String> names,
      Map<Long, Set<String>> blockedByRel,
      List<Long> relids,
      List<Integer> attnums)
      throws SQLException {
    if (relids.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(COLUMN_NAMES)) {
      ps.setArray(1, c.createArrayOf("oid", relids.toArray()));
      ps.setArray(2, c.createArrayOf("int2", attnums.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String[] st = names.get(rs.getLong(1)).split("\u0000", 2);
          String col = rs.getString(2);
          if (blockedByRel.get(rs.getLong(1)).contains(col.toLowerCase(Locale.ROOT))) {
            throw blockedColumn(st[0] + "." + st[1], col, "as the database resolved the statement");
          }
        }
      }
    }
  }

  /**
   * Has the database parse {@code jdbcSql} alone, as exactly one statement, without running it, and
   * returns its result description (null for statements that return no rows). Call this before
   * composing any SQL around user text.
   */
  public static ResultSetMetaData describe(Connection c, String jdbcSql, List<Object> values)
      throws SQLException {
    requireOneDriverStatement(jdbcSql, standardConformingStrings(c));
    try (PreparedStatement ps = c.prepareStatement(jdbcSql)) {
      for (int i = 0; i < values.size(); i++) {
        ps.setObject(i + 1, values.get(i));
      }
      return ps.getMetaData();
    }
  }

  // ---------------------------------------------------------------- one statement

  private static boolean standardConformingStrings(Connection c) throws SQLException {
    if (!c.isWrapperFor(BaseConnection.class)) {
      return true;
    }
    boolean on = c.unwrap(BaseConnection.class).getStandardConformingStrings();
    if (!on) {
      // The guard's lexer reads '\' in plain strings as the SQL standard says; with this setting
      // off the server would read it as an escape, and the two would disagree.
      throw refuse(
          Rule.SESSION_CHANGE,
          "standard_conforming_strings is off on this connection, so the server would read"
              + " backslashes in strings differently from the safety checks.");
    }
    return on;
  }

  /**
   * The driver splits text at semicolons with a lexer of its own and sends each piece as a separate
   * Parse message; the database refuses several statements in one Parse. So one piece here means
   * the database itself decides there is exactly one statement.
   */
  private static void requireOneDriverStatement(String jdbcSql, boolean scs) throws SQLException {
    int n = Parser.parseJdbcSql(jdbcSql, scs, true, true, false, false).size();
    if (n != 1) {
      throw refuse(
          Rule.MULTIPLE_STATEMENTS,
          "the database driver reads "
              + n
              + " statements in the text and exactly one is allowed per call.");
    }
  }

  // ---------------------------------------------------------------- functions

  private void checkFunctions(Connection c, Analysis a, boolean readOnly, boolean access)
      throws SQLException {
    Map<String, String> called = new HashMap<>(); // base name -> as written
    for (String f : a.functions) {
      called.putIfAbsent(FunctionRules.baseName(f), f);
      String schema = FunctionRules.schemaOf(f);
      if (!schema.isEmpty() && !BUILTIN_SCHEMAS.contains(schema) && !allowed(f)) {
        throw functionNotAllowed(f, "it is not a built-in function");
      }
    }
    // Names the database may resolve to a function without "(" after them: attribute notation
    // (x).f or alias.f calls f(x) when f takes one argument, and keywords such as over(...).
    Set<String> attributeOnly = new HashSet<>();
    for (String f : a.possibleCalls) {
      String base = FunctionRules.baseName(f);
      if (!called.containsKey(base)) {
        called.put(base, f);
        attributeOnly.add(base);
      }
    }
    Set<String> operators = new LinkedHashSet<>();
    for (SqlToken t : a.tokens) {
      if (t.kind() == SqlToken.Kind.OPERATOR && !t.text().equals("::")) {
        operators.add(t.text());
      }
    }
    if (!called.isEmpty()) {
      Map<String, List<Fn>> found = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(FUNCTIONS_SQL)) {
        ps.setArray(1, textArray(c, called.keySet()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString(1);
            if (attributeOnly.contains(name) && !rs.getBoolean(5)) {
              continue; // attribute notation only reaches functions of one argument
            }
            found
                .computeIfAbsent(name, k -> new ArrayList<>())
                .add(new Fn(name, rs.getString(2), rs.getString(3), rs.getString(4)));
          }
        }
      }
      for (Map.Entry<String, String> e : called.entrySet()) {
        String written = attributeOnly.contains(e.getKey()) ? e.getKey() : e.getValue();
        for (Fn f : found.getOrDefault(e.getKey(), List.of())) {
          checkKnownRules(written, f, readOnly, access);
        }
        if (!allowed(e.getValue()) && !allowed(e.getKey())) {
          for (Fn f : found.getOrDefault(e.getKey(), List.of())) {
            checkFunction(written, f, readOnly);
          }
        }
      }
    }
    if (!operators.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(OPERATORS_SQL)) {
        ps.setArray(1, textArray(c, operators));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Fn f = new Fn(rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6));
            String opSchema = rs.getString(2);
            String op = "the operator " + rs.getString(1) + " (" + f.schema + "." + f.name + ")";
            checkKnownRules(op, f, readOnly, access);
            if (!allowed(f.schema + "." + f.name)) {
              // An operator outside pg_catalog is user-defined even when it calls a built-in.
              checkFunction(op, new Fn(f.name, opSchema, f.volatility, f.extension), readOnly);
            }
          }
        }
      }
    }
  }

  /**
   * The guard's rules by name, applied to a function the database has under a called name: file and
   * SQL-text functions always, side effects in read-only mode, catalog information with access
   * control. These hold whatever {@code CRDB_ALLOWED_FUNCTIONS} says.
   */
  private static void checkKnownRules(String written, Fn f, boolean readOnly, boolean access) {
    String q = f.schema + "." + f.name;
    String what = display(written);
    if (FunctionRules.isFileAccess(q)) {
      throw refuse(Rule.FILE_ACCESS, what + " reads or writes files on the database server.");
    }
    if (FunctionRules.isDynamicSql(q) || FunctionRules.isDangerous(q)) {
      throw refuse(
          Rule.DANGEROUS_FUNCTION,
          what + " runs SQL text the safety layer cannot inspect, or can crash the cluster.");
    }
    if (readOnly && FunctionRules.isSideEffect(q)) {
      throw refuse(
          Rule.SIDE_EFFECT_FUNCTION, what + " has side effects and the call is read-only.");
    }
    if (access && FunctionRules.isCatalogInfo(q)) {
      throw refuse(
          Rule.CATALOG_ACCESS,
          what + " can reveal names or definitions that the access rules hide.");
    }
  }

  /**
   * One function the database resolves a called name (or an operator) to.
   *
   * @param extension the extension it belongs to, or null
   */
  private record Fn(String name, String schema, String volatility, String extension) {}

  /**
   * Built-in functions and functions of extensions known to be safe ({@link #SAFE_EXTENSIONS}) are
   * judged by their volatility (in read-only mode); any other function (written with CREATE
   * FUNCTION, possibly lying about its volatility, or of another extension) only runs when an
   * operator allowed it by name.
   */
  private static void checkFunction(String written, Fn f, boolean readOnly) {
    if (!BUILTIN_SCHEMAS.contains(f.schema)) {
      if (f.extension == null) {
        throw functionNotAllowed(
            written, "a user-defined function " + f.schema + "." + f.name + " has this name");
      }
      if (!SAFE_EXTENSIONS.contains(f.extension)) {
        throw functionNotAllowed(
            written,
            f.schema
                + "."
                + f.name
                + " belongs to the extension "
                + f.extension
                + ", whose functions can run SQL text or read relations by name");
      }
    }
    if (readOnly && "v".equals(f.volatility) && !SAFE_VOLATILE.contains(f.name)) {
      throw functionNotAllowed(
          written, "it is volatile (it can change state) and the call is read-only");
    }
  }

  private boolean allowed(String function) {
    String f = function.toLowerCase(Locale.ROOT);
    for (String a : policy.allowedFunctions()) {
      if (a.equals(f) || (a.indexOf('.') < 0 && a.equals(FunctionRules.baseName(f)))) {
        return true;
      }
      if (a.indexOf('.') >= 0 && f.indexOf('.') < 0 && FunctionRules.baseName(a).equals(f)) {
        // public.bump allows an unqualified bump(...): resolution may pick it.
        return true;
      }
    }
    return false;
  }

  private static SqlRefusedException functionNotAllowed(String f, String why) {
    return refuse(Rule.FUNCTION_NOT_ALLOWED, display(f) + " is not allowed: " + why + ".");
  }

  /** A function as messages name it: {@code f()}, or a description that already says so. */
  private static String display(String written) {
    return written.startsWith("the operator ") || written.contains("()") ? written : written + "()";
  }

  private static Array textArray(Connection c, Set<String> values) throws SQLException {
    return c.createArrayOf("text", values.toArray(new String[0]));
  }

  // ---------------------------------------------------------------- access control by plan

  /**
   * The tokens of the statement the plan describes: the statement itself, or what follows a
   * user-written EXPLAIN; null when the statement cannot be planned.
   */
  static List<SqlToken> plannable(Analysis a) {
    List<SqlToken> t = a.tokens;
    int i = 0;
    if (!t.isEmpty() && t.get(0).isWord("explain")) {
      i = 1;
      if (i < t.size() && t.get(i).is("(")) {
        int close = StatementClassifier.matching(t, i);
        if (close < 0) {
          return null;
        }
        i = close + 1;
      } else {
        while (i < t.size()
            && (t.get(i).isWord("analyze")
                || t.get(i).isWord("analyse")
                || t.get(i).isWord("verbose"))) {
          i++;
        }
      }
    }
    if (i >= t.size()) {
      return null;
    }
    SqlToken first = t.get(i);
    if (first.isWord("create") && createsFromQuery(t, i)) {
      return t.subList(i, t.size()); // CREATE TABLE ... AS, CREATE MATERIALIZED VIEW ... AS
    }
    boolean ok =
        first.is("(")
            || first.isWord("declare")
            || first.isWord("select")
            || first.isWord("with")
            || first.isWord("values")
            || first.isWord("table")
            || first.isWord("insert")
            || first.isWord("update")
            || first.isWord("delete")
            || first.isWord("merge")
            || first.isWord("upsert");
    return ok ? t.subList(i, t.size()) : null;
  }

  /**
   * True for {@code CREATE [modifiers] TABLE|MATERIALIZED VIEW ... AS query}: a statement that runs
   * a query and keeps its rows, which EXPLAIN can plan (without running it) like the query itself.
   */
  private static boolean createsFromQuery(List<SqlToken> t, int i) {
    int p = i + 1;
    while (p < t.size()
        && (t.get(p).isWord("temp")
            || t.get(p).isWord("temporary")
            || t.get(p).isWord("unlogged")
            || t.get(p).isWord("global")
            || t.get(p).isWord("local")
            || t.get(p).isWord("or")
            || t.get(p).isWord("replace"))) {
      p++;
    }
    boolean table = p < t.size() && t.get(p).isWord("table");
    boolean matview =
        p + 1 < t.size() && t.get(p).isWord("materialized") && t.get(p + 1).isWord("view");
    if (!table && !matview) {
      return false;
    }
    int depth = 0;
    for (int k = p; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.is("(") || tok.is("[")) {
        depth++;
      } else if (tok.is(")") || tok.is("]")) {
        depth--;
      } else if (depth == 0 && tok.isWord("as")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Objects whose definition holds code or a data source that runs later, out of sight of the
   * checks made on the statement that uses them: a function body, a trigger, a rule, a policy, an
   * operator or cast over any function, a foreign table reading another server (or this one).
   */
  private static final Set<String> CODE_OBJECTS =
      Set.of(
          "function",
          "procedure",
          "routine",
          "aggregate",
          "operator",
          "operator class",
          "operator family",
          "cast",
          "trigger",
          "event trigger",
          "rule",
          "policy",
          "language",
          "transform",
          "extension",
          "type",
          "domain",
          "conversion",
          "text search",
          "access method",
          "foreign data",
          "foreign table",
          "server",
          "user mapping",
          "publication",
          "subscription");

  /** The kind of code object a CREATE, ALTER or IMPORT FOREIGN SCHEMA defines, or null. */
  static String codeObject(Analysis a) {
    String cmd = a.command == null ? "" : a.command.toLowerCase(Locale.ROOT);
    if (cmd.startsWith("import")) {
      return "foreign table";
    }
    for (String verb : List.of("create ", "alter ")) {
      if (cmd.startsWith(verb) && CODE_OBJECTS.contains(cmd.substring(verb.length()))) {
        return cmd.substring(verb.length());
      }
    }
    return null;
  }

  /**
   * Statements the planner cannot describe (DDL, SHOW, utilities) are allowed under access control
   * only when they name no relation that a rule covers, list no schema objects and define no code
   * that would run later unchecked.
   */
  private void checkNotAnalysable(Analysis a, ParseTree tree) {
    List<SqlToken> t = a.tokens;
    String code = codeObject(a);
    if (code != null) {
      throw refuse(
          Rule.NOT_ANALYSABLE,
          a.command
              + " defines a "
              + code
              + " whose code runs later, out of sight of the access checks, so it is refused"
              + " while access control is configured.");
    }
    if (!t.isEmpty() && t.get(0).isWord("show")) {
      String what = t.size() > 1 ? t.get(1).value() : "";
      if (!Set.of("transaction", "time", "timezone", "statement_timeout", "search_path")
          .contains(what)) {
        throw refuse(
            Rule.CATALOG_ACCESS,
            "SHOW "
                + what.toUpperCase(Locale.ROOT)
                + " can list names or definitions outside the access rules.");
      }
      return;
    }
    if (tree != null) {
      // The relations as the database's parser read them from the statement.
      for (String[] rv : tree.rangeVars) {
        if (covered(rv[0], rv[1])) {
          String name = rv[0] == null ? rv[1] : rv[0] + "." + rv[1];
          throw refuse(
              Rule.NOT_ANALYSABLE,
              a.command
                  + " on "
                  + name
                  + " cannot be checked against the access rules (only queries and DML are"
                  + " planned), and "
                  + name
                  + " is covered by a rule.");
        }
      }
    }
    for (Rel r : a.rels) {
      if (covered(r.schema(), r.table())) {
        throw refuse(
            Rule.NOT_ANALYSABLE,
            a.command
                + " on "
                + r.name()
                + " cannot be checked against the access rules (only queries and DML are"
                + " planned), and "
                + r.name()
                + " is covered by a rule.");
      }
    }
  }

  /** Whether any access rule covers a relation named so (schema may be null). */
  private boolean covered(String schema, String table) {
    return policy.isTableBlocked(schema, table)
        || !policy.blockedColumnsOf(schema, table).isEmpty()
        || !policy.isTableAllowed(schema, table)
        || (schema != null && !policy.isSchemaVisible(schema));
  }

  private void checkPlan(
      Connection c, Statement stmt, Analysis a, List<SqlToken> inner, boolean cockroach)
      throws SQLException {
    String innerSql = stmt.jdbcSql().substring(offsetInJdbc(stmt, inner));
    ResultSetMetaData md = describe(c, stmt.jdbcSql(), stmt.values());
    checkResultColumns(md);
    if (cockroach) {
      checkCockroachPlan(c, innerSql, stmt.values(), a);
    } else {
      checkPostgresPlan(c, innerSql, stmt.values(), inner);
    }
  }

  /**
   * Where the planned part starts in the driver's text. The driver text differs from the user's
   * only in placeholders ({@code $n} became {@code ?}), so the offset is found by token count.
   */
  private static int offsetInJdbc(Statement stmt, List<SqlToken> inner) {
    List<SqlToken> user = SqlLexer.tokenize(stmt.sql());
    List<SqlToken> jdbc = SqlLexer.tokenize(stmt.jdbcSql());
    int first = inner.get(0).start();
    for (int k = 0; k < user.size(); k++) {
      if (user.get(k).start() == first) {
        if (k == 0) {
          return 0;
        }
        if (jdbc.size() == user.size()) {
          return jdbc.get(k).start();
        }
        break;
      }
    }
    throw notAnalysed("the statement inside EXPLAIN could not be located");
  }

  /** Each output column that is a plain column of a table: the table and column it comes from. */
  private void checkResultColumns(ResultSetMetaData md) throws SQLException {
    if (md == null || !md.isWrapperFor(PGResultSetMetaData.class)) {
      return;
    }
    PGResultSetMetaData pg = md.unwrap(PGResultSetMetaData.class);
    for (int i = 1; i <= md.getColumnCount(); i++) {
      String table = pg.getBaseTableName(i);
      if (table == null || table.isEmpty()) {
        continue;
      }
      String schema = pg.getBaseSchemaName(i);
      String column = pg.getBaseColumnName(i);
      checkRelation(schema, table);
      if (column != null
          && policy.blockedColumnsOf(schema, table).contains(column.toLowerCase(Locale.ROOT))) {
        throw blockedColumn(schema + "." + table, column, "output column " + i);
      }
    }
  }

  private void checkRelation(String schema, String table) {
    String name = hidden(schema == null || schema.isEmpty() ? table : schema + "." + table);
    if (schema != null && CATALOG_SCHEMAS.contains(schema.toLowerCase(Locale.ROOT))) {
      throw refuse(
          Rule.CATALOG_ACCESS,
          "the statement reads the system catalog "
              + name
              + ", which can reveal names and definitions the access rules hide.");
    }
    if (policy.isTableBlocked(schema, table)) {
      throw refuse(Rule.BLOCKED_TABLE, "the statement reads " + name + ", which is blocked.");
    }
    if (schema != null && !policy.isSchemaVisible(schema)) {
      throw refuse(
          Rule.SCHEMA_NOT_ALLOWED,
          "the statement reads " + name + " and its schema is not among the allowed schemas.");
    }
    if (!policy.isTableAllowed(schema, table)) {
      throw refuse(
          Rule.TABLE_NOT_ALLOWED,
          "the statement reads " + name + ", which is not among the allowed tables.");
    }
  }

  private static SqlRefusedException blockedColumn(String table, String column, String where) {
    return refuse(
        Rule.BLOCKED_COLUMN,
        "the statement uses "
            + hiddenColumn(column)
            + " of "
            + hidden(table)
            + " ("
            + where
            + "), which is blocked.");
  }

  // PostgreSQL: EXPLAIN (VERBOSE, FORMAT JSON) lists every scan with its alias, and every
  // expression with columns qualified by that alias.

  private void checkPostgresPlan(
      Connection c, String innerSql, List<Object> values, List<SqlToken> userTokens)
      throws SQLException {
    JsonNode plan;
    try (PreparedStatement ps =
        c.prepareStatement("EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON) " + innerSql)) {
      for (int i = 0; i < values.size(); i++) {
        ps.setObject(i + 1, values.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw notAnalysed("the plan was empty");
        }
        plan = JSON.get().readTree(rs.getString(1));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw notAnalysed("the plan could not be read");
      }
    }
    checkPostgresPlan(
        plan,
        userTokens,
        new ColumnSource() {
          @Override
          public List<String> columns(String schema, String table) throws SQLException {
            return tableColumns(c, schema, table);
          }

          @Override
          public Map<String, List<String[]>> ancestors(List<String[]> relations)
              throws SQLException {
            return DatabaseChecks.ancestors(c, relations);
          }
        });
  }

  /** What the plan check looks up in the catalog: a table's columns, and its ancestors. */
  @FunctionalInterface
  interface ColumnSource {
    /** The columns of a table, in order. */
    List<String> columns(String schema, String table) throws SQLException;

    /**
     * For each relation given as {schema, table}: the tables it is a partition or an inheritance
     * child of (recursively), as {schema, table}, keyed by {@code schema.table}.
     */
    default Map<String, List<String[]>> ancestors(List<String[]> relations) throws SQLException {
      return Map.of();
    }
  }

  /** Partition and inheritance parents, recursively, of relations given by schema and name. */
  private static final String ANCESTORS_BY_NAME =
      "WITH RECURSIVE r(oid, anc) AS ("
          + " SELECT c.oid, c.oid FROM pg_catalog.pg_class c"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " JOIN (SELECT unnest(?::text[]) AS s, unnest(?::text[]) AS t) q"
          + " ON n.nspname = q.s AND c.relname = q.t"
          + " UNION SELECT r.oid, i.inhparent FROM pg_catalog.pg_inherits i JOIN r"
          + " ON i.inhrelid = r.anc)"
          + " SELECT n.nspname, c.relname, an.nspname, ac.relname FROM r"
          + " JOIN pg_catalog.pg_class c ON c.oid = r.oid"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " JOIN pg_catalog.pg_class ac ON ac.oid = r.anc"
          + " JOIN pg_catalog.pg_namespace an ON an.oid = ac.relnamespace"
          + " WHERE r.anc <> r.oid";

  private static Map<String, List<String[]>> ancestors(Connection c, List<String[]> relations)
      throws SQLException {
    Map<String, List<String[]>> out = new HashMap<>();
    if (relations.isEmpty()) {
      return out;
    }
    List<String> schemas = new ArrayList<>();
    List<String> tables = new ArrayList<>();
    for (String[] r : relations) {
      schemas.add(r[0]);
      tables.add(r[1]);
    }
    try (PreparedStatement ps = c.prepareStatement(ANCESTORS_BY_NAME)) {
      ps.setArray(1, c.createArrayOf("text", schemas.toArray()));
      ps.setArray(2, c.createArrayOf("text", tables.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getString(1) + "." + rs.getString(2), k -> new ArrayList<>())
              .add(new String[] {rs.getString(3), rs.getString(4)});
        }
      }
    }
    return out;
  }

  /**
   * The blocked columns of a relation, its own and those of the tables it is a partition or an
   * inheritance child of (its rows are theirs); refuses a relation whose ancestor is blocked.
   */
  private Set<String> blockedColumnsWithAncestors(
      String schema, String table, List<String[]> ancestors) {
    Set<String> blocked = new HashSet<>(policy.blockedColumnsOf(schema, table));
    for (String[] a : ancestors) {
      if (policy.isTableBlocked(a[0], a[1])) {
        throw refuse(
            Rule.BLOCKED_TABLE,
            "the statement reads "
                + hidden(schema + "." + table)
                + ", a partition or child table of "
                + hidden(a[0] + "." + a[1])
                + ", which is blocked.");
      }
      blocked.addAll(policy.blockedColumnsOf(a[0], a[1]));
    }
    return blocked;
  }

  /**
   * Checks a PostgreSQL plan ({@code EXPLAIN (VERBOSE, FORMAT JSON)}): every scanned relation, and
   * every expression's use of a table with blocked columns. One pass over the plan's expressions.
   */
  void checkPostgresPlan(JsonNode plan, List<SqlToken> userTokens, ColumnSource source)
      throws SQLException {
    List<JsonNode> nodes = new ArrayList<>();
    for (JsonNode top : plan) {
      collectNodes(top.get("Plan"), nodes);
    }
    // Every scanned relation, by the alias its columns are shown with.
    Map<String, JsonNode> scans = new HashMap<>();
    for (JsonNode n : nodes) {
      if (n.hasNonNull("Relation Name")) {
        String schema = n.path("Schema").asText(null);
        String table = n.get("Relation Name").asText();
        checkRelation(schema, table);
        scans.put(n.path("Alias").asText(table), n);
      }
    }
    // The scans of tables with blocked columns, by alias. Everything below is one pass over the
    // plan's expressions, whatever the number of scans: a plan of thousands of scans costs linear
    // time here, as it does in the database.
    Set<String> aliasLists = aliasesWithColumnList(userTokens);
    Map<String, List<String>> columnsByTable = new HashMap<>();
    Map<String, CoveredScan> covered = new HashMap<>();
    Map<String, String[]> scanned = new LinkedHashMap<>();
    for (JsonNode scan : scans.values()) {
      String schema = scan.path("Schema").asText(null);
      String table = scan.get("Relation Name").asText();
      if (schema != null) {
        scanned.putIfAbsent(schema + "." + table, new String[] {schema, table});
      }
    }
    Map<String, List<String[]>> ancestry = source.ancestors(new ArrayList<>(scanned.values()));
    for (Map.Entry<String, JsonNode> e : scans.entrySet()) {
      JsonNode scan = e.getValue();
      String schema = scan.path("Schema").asText(null);
      String table = scan.get("Relation Name").asText();
      Set<String> blocked =
          blockedColumnsWithAncestors(
              schema, table, ancestry.getOrDefault(schema + "." + table, List.of()));
      if (blocked.isEmpty()) {
        continue;
      }
      String alias = e.getKey();
      String name = schema == null ? table : schema + "." + table;
      if (aliasLists.contains(alias)) {
        throw refuse(
            Rule.BLOCKED_COLUMN,
            hidden(name)
                + " has blocked columns and the statement renames its columns with an alias list ("
                + alias
                + "(...)).");
      }
      List<String> columns = columnsByTable.get(name);
      if (columns == null) {
        columns = source.columns(schema, table);
        columnsByTable.put(name, columns);
      }
      covered.put(alias, new CoveredScan(scan, name, blocked, columns, new HashSet<>(columns)));
    }
    if (covered.isEmpty()) {
      return;
    }
    for (JsonNode n : nodes) {
      CoveredScan own =
          n.hasNonNull("Relation Name")
              ? covered.get(n.path("Alias").asText(n.get("Relation Name").asText()))
              : null;
      Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        if (NON_EXPRESSION_FIELDS.contains(f.getKey()) || f.getKey().equals("Plans")) {
          continue;
        }
        if (own != null
            && own.node() == n
            && f.getKey().equals("Output")
            && isPhysicalTlist(f.getValue(), n.path("Alias").asText(), own.columns())) {
          continue; // the scan returns whole rows only for its parent to pick from
        }
        for (String expr : strings(f.getValue())) {
          List<SqlToken> t = expressionTokens(expr);
          for (int k = 0; k < t.size(); k++) {
            SqlToken tok = t.get(k);
            CoveredScan scan = tok.isIdentifier() ? covered.get(tok.value()) : null;
            if (scan == null) {
              continue;
            }
            String hit = referenceAt(t, k, scan.blocked(), scan.real());
            if (hit != null) {
              throw hit.equals("*")
                  ? refuse(
                      Rule.BLOCKED_COLUMN,
                      hidden(scan.name())
                          + " has blocked columns and the statement uses its whole row.")
                  : blockedColumn(scan.name(), hit, f.getKey());
            }
          }
        }
      }
    }
  }

  /** A scan of a table with blocked columns, as the plan check needs it. */
  private record CoveredScan(
      JsonNode node, String name, Set<String> blocked, List<String> columns, Set<String> real) {}

  /** Every node of a plan tree, without recursion (a plan can be thousands of joins deep). */
  private static void collectNodes(JsonNode root, List<JsonNode> out) {
    java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>();
    todo.push(root == null ? NullNode.getInstance() : root);
    while (!todo.isEmpty()) {
      JsonNode n = todo.pop();
      if (!n.isObject()) {
        continue;
      }
      out.add(n);
      for (JsonNode child : n.path("Plans")) {
        todo.push(child);
      }
    }
  }

  private static List<String> strings(JsonNode v) {
    List<String> out = new ArrayList<>();
    if (v.isTextual()) {
      out.add(v.asText());
    } else if (v.isArray()) {
      for (JsonNode e : v) {
        if (e.isTextual()) {
          out.add(e.asText());
        }
      }
    }
    return out;
  }

  /** Output of exactly the table's columns in order: the planner's "physical target list". */
  private static boolean isPhysicalTlist(JsonNode output, String alias, List<String> columns) {
    if (!output.isArray() || output.size() != columns.size()) {
      return false;
    }
    for (int i = 0; i < columns.size(); i++) {
      List<SqlToken> t;
      try {
        t = SqlLexer.tokenize(output.get(i).asText());
      } catch (CrdbException e) {
        return false;
      }
      if (t.size() != 3
          || !t.get(0).isIdentifier()
          || !t.get(0).value().equals(alias)
          || !t.get(1).is(".")
          || !t.get(2).isIdentifier()
          || !t.get(2).value().equals(columns.get(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * A blocked column (or {@code *} for a whole-row use) referenced through {@code alias} in a
   * deparsed expression, or null. A reference to a column name the table does not have means its
   * columns were renamed, which is refused too (returned as that name).
   */
  static String referencedColumn(
      String expr, String alias, Set<String> blocked, Set<String> realColumns) {
    List<SqlToken> t = expressionTokens(expr);
    for (int k = 0; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.isIdentifier() && tok.value().equals(alias)) {
        String hit = referenceAt(t, k, blocked, realColumns);
        if (hit != null) {
          return hit;
        }
      }
    }
    return null;
  }

  private static List<SqlToken> expressionTokens(String expr) {
    try {
      return SqlLexer.tokenize(expr);
    } catch (CrdbException e) {
      throw notAnalysed("a plan expression could not be read");
    }
  }

  /**
   * What the alias at {@code k} references: a blocked column, {@code *} for the whole row, a name
   * the table does not have (a renamed column), or null for an allowed column or a qualified name.
   */
  private static String referenceAt(
      List<SqlToken> t, int k, Set<String> blocked, Set<String> realColumns) {
    if (k > 0 && t.get(k - 1).is(".")) {
      return null; // schema.alias... or x.alias: not this alias as a qualifier
    }
    if (k + 2 < t.size() && t.get(k + 1).is(".")) {
      SqlToken col = t.get(k + 2);
      if (col.is("*")) {
        return "*";
      }
      if (col.isIdentifier()) {
        String name = col.value().toLowerCase(Locale.ROOT);
        if (blocked.contains(name)) {
          return name;
        }
        if (!realColumns.contains(col.value()) && !SYSTEM_COLUMNS.contains(name)) {
          return col.value();
        }
      }
      return null;
    }
    // The alias alone, as a value: a whole-row reference.
    return "*";
  }

  private static final Set<String> SYSTEM_COLUMNS =
      Set.of("ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid");

  /**
   * Names written before {@code (} in the statement: {@code alias(...)} is a column alias list. The
   * target of {@code INSERT INTO t [AS a] (columns)} is not: that list names the columns written
   * (which the parse tree checks).
   */
  static Set<String> aliasesWithColumnList(List<SqlToken> t) {
    boolean[] insertTarget = new boolean[t.size()];
    for (int k = 1; k < t.size(); k++) {
      if (!t.get(k).isWord("into")
          || !(t.get(k - 1).isWord("insert") || t.get(k - 1).isWord("upsert"))) {
        continue;
      }
      int j = k + 1;
      while (j + 2 < t.size() && t.get(j).isIdentifier() && t.get(j + 1).is(".")) {
        j += 2;
      }
      if (j < t.size() && t.get(j).isIdentifier()) {
        insertTarget[j] = true;
        if (j + 2 < t.size() && t.get(j + 1).isWord("as") && t.get(j + 2).isIdentifier()) {
          insertTarget[j + 2] = true;
        }
      }
    }
    Set<String> out = new HashSet<>();
    for (int k = 0; k + 1 < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.isIdentifier() && t.get(k + 1).is("(") && !insertTarget[k]) {
        out.add(tok.value());
      }
    }
    return out;
  }

  private static List<String> tableColumns(Connection c, String schema, String table)
      throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(COLUMNS_SQL)) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  // CockroachDB (written from its documentation; never run on a live cluster here):
  // EXPLAIN (VERBOSE) prints each operator with "table: name@index" for scans and
  // "columns: (a, b)" for the columns it produces; a scan lists exactly the columns it reads.

  private void checkCockroachPlan(Connection c, String innerSql, List<Object> values, Analysis a)
      throws SQLException {
    List<String> lines = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN (VERBOSE) " + innerSql)) {
      for (int i = 0; i < values.size(); i++) {
        ps.setObject(i + 1, values.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          lines.add(rs.getString(1));
        }
      }
    }
    // Tables given a column alias list in the statement, found once for all scans.
    Set<String> renamed = new HashSet<>();
    for (Rel r : a.rels) {
      int alias = r.aliasIndex();
      if (alias >= 0 && alias + 1 < a.tokens.size() && a.tokens.get(alias + 1).is("(")) {
        renamed.add(r.table().toLowerCase(Locale.ROOT));
      }
    }
    for (CockroachScan scan : cockroachScans(lines)) {
      checkCockroachScan(scan, renamed);
    }
  }

  /**
   * A table read by one operator of a CockroachDB plan.
   *
   * @param table the table name (CockroachDB prints it unqualified)
   * @param columns the columns the operator produces, as printed
   * @param virtual true for a virtual (system catalog) table
   */
  record CockroachScan(String table, List<String> columns, boolean virtual) {}

  /**
   * The tables read in {@code EXPLAIN (VERBOSE)} output: each operator starts with a line holding
   * "•"; a scan names its table as {@code table: name@index} and its columns as {@code columns: (a,
   * b)}.
   */
  static List<CockroachScan> cockroachScans(List<String> lines) {
    List<CockroachScan> out = new ArrayList<>();
    String table = null;
    String columns = null;
    boolean virtual = false;
    for (String raw : lines) {
      String line = raw.replaceAll("^[\\s│├└─]+", "").trim();
      if (line.startsWith("•")) {
        if (table != null) {
          out.add(new CockroachScan(table, columnList(columns), virtual));
        }
        table = null;
        columns = null;
        virtual = line.contains("virtual table");
      } else if (line.startsWith("table:")) {
        String v = line.substring(6).trim();
        int at = v.indexOf('@');
        table = (at < 0 ? v : v.substring(0, at)).replace("\"", "");
      } else if (line.startsWith("columns:")) {
        columns = line.substring(8).trim();
      }
    }
    if (table != null) {
      out.add(new CockroachScan(table, columnList(columns), virtual));
    }
    return out;
  }

  private static List<String> columnList(String columns) {
    List<String> out = new ArrayList<>();
    if (columns == null) {
      return out;
    }
    for (String col : columns.replace("(", "").replace(")", "").split(",")) {
      String name = col.trim().replace("\"", "");
      int space = name.indexOf(' ');
      if (space > 0) {
        name = name.substring(0, space); // "a int" in some versions
      }
      if (!name.isEmpty()) {
        out.add(name);
      }
    }
    return out;
  }

  private void checkCockroachScan(CockroachScan scan, Set<String> renamed) {
    if (scan.virtual()) {
      throw refuse(
          Rule.CATALOG_ACCESS,
          "the statement reads the system catalog "
              + scan.table()
              + ", which can reveal names and definitions the access rules hide.");
    }
    checkRelation(null, scan.table());
    Set<String> blocked = policy.blockedColumnsOf(null, scan.table());
    if (blocked.isEmpty()) {
      return;
    }
    if (renamed.contains(scan.table().toLowerCase(Locale.ROOT))) {
      throw refuse(
          Rule.BLOCKED_COLUMN,
          hidden(scan.table())
              + " has blocked columns and the statement renames its columns with an alias"
              + " list.");
    }
    for (String col : scan.columns()) {
      if (blocked.contains(col.toLowerCase(Locale.ROOT))) {
        throw blockedColumn(scan.table(), col, "read by a scan");
      }
    }
  }

  // ---------------------------------------------------------------- errors

  private static final char NAME_START = '\u0001';
  private static final char NAME_END = '\u0002';

  /**
   * A relation or column name the checks learnt from the database (a plan, the parse tree, the
   * result description), marked so that {@link #redacted} shows it only when the statement itself
   * names it: a refusal must not reveal the name of a blocked table or column that the statement
   * reached through a view, a partition or a column alias list.
   */
  static String hidden(String name) {
    return NAME_START + "t" + name.replace(NAME_START, '?').replace(NAME_END, '?') + NAME_END;
  }

  /** A column name, marked like {@link #hidden(String)}. */
  static String hiddenColumn(String name) {
    return NAME_START + "c" + name.replace(NAME_START, '?').replace(NAME_END, '?') + NAME_END;
  }

  /** The refusal with every {@link #hidden} name the statement does not itself write replaced. */
  static SqlRefusedException redacted(SqlRefusedException e, String sql) {
    String m = e.getMessage();
    if (m == null || m.indexOf(NAME_START) < 0) {
      return e;
    }
    Set<String> written = new HashSet<>();
    try {
      for (SqlToken t : SqlLexer.tokenize(sql)) {
        if (t.isIdentifier()) {
          written.add(t.value().toLowerCase(Locale.ROOT));
        }
      }
    } catch (CrdbException ignored) {
      // Unreadable text names nothing.
    }
    StringBuilder out = new StringBuilder(m.length());
    int i = 0;
    while (i < m.length()) {
      int start = m.indexOf(NAME_START, i);
      int end = start < 0 ? -1 : m.indexOf(NAME_END, start);
      if (start < 0 || end < 0) {
        out.append(m, i, m.length());
        break;
      }
      out.append(m, i, start);
      boolean column = m.charAt(start + 1) == 'c';
      String name = m.substring(start + 2, end);
      String last = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
      out.append(
          written.contains(last)
              ? name
              : column ? "a blocked column" : "a relation the statement reaches indirectly");
      i = end + 1;
    }
    return new SqlRefusedException(e.rule(), out.toString(), e.suggestion());
  }

  private static SqlRefusedException refuse(Rule rule, String problem) {
    return new SqlRefusedException(
        rule.id(), "Refused (" + rule.id() + "): " + problem, Verdict.suggestionFor(rule));
  }

  private static SqlRefusedException notAnalysed(String why) {
    return refuse(
        Rule.NOT_ANALYSABLE,
        why + ", so the statement cannot be checked against the access rules.");
  }
}
