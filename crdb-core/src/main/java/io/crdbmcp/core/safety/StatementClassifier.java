package io.crdbmcp.core.safety;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.RandomAccess;
import java.util.Set;

/**
 * Classifies one SQL statement from its tokens: what kind of statement it is, whether it can change
 * anything, and which relations and functions it names. It never parses the full grammar; wherever
 * it is unsure it errs towards "this writes".
 *
 * <p>It runs on untrusted text, so its cost is linear in the number of tokens and its recursion
 * depth is bounded whatever the input: bracket pairs are matched once up front ({@code Scan}), each
 * scan jumps over nested groups instead of re-reading them, and work that would repeat for every
 * occurrence of a keyword (FROM lists, items, CTE lists) is done once per position.
 */
public final class StatementClassifier {

  private StatementClassifier() {}

  /** Words that may appear before {@code (} without being a function call. */
  private static final Set<String> NOT_FUNCTIONS =
      Set.of(
          "in",
          "exists",
          "any",
          "all",
          "some",
          "values",
          "as",
          "from",
          "join",
          "on",
          "using",
          "where",
          "and",
          "or",
          "not",
          "select",
          "with",
          "into",
          "table",
          "set",
          "returning",
          "by",
          "over",
          "filter",
          "within",
          "group",
          "lateral",
          "case",
          "when",
          "then",
          "else",
          "end",
          "is",
          "like",
          "ilike",
          "similar",
          "between",
          "array",
          "row",
          "cast",
          "partition",
          "order",
          "window",
          "union",
          "intersect",
          "except",
          "distinct",
          "having",
          "limit",
          "offset",
          "fetch",
          "for",
          "of",
          "update",
          "delete",
          "insert",
          "upsert",
          "merge",
          "do",
          "conflict",
          "check",
          "primary",
          "key",
          "unique",
          "references",
          "foreign",
          "default",
          "constraint",
          "index",
          "analyze",
          "analyse",
          "explain",
          "verbose",
          "materialized",
          "recursive",
          "cube",
          "rollup",
          "sets",
          "interval",
          "numeric",
          "decimal",
          "varchar",
          "char",
          "character",
          "timestamp",
          "timestamptz",
          "time",
          "float",
          "bit",
          "varbit",
          "only",
          "if",
          "returns",
          "options",
          "include",
          "storing",
          "ordinality",
          "rows",
          "range",
          "groups",
          "zone",
          "to",
          "copy",
          "lock",
          "grant",
          "revoke",
          "escape",
          "collate",
          "varying",
          "precision",
          "tuple");

  /** Words that never name a function call even though {@code (} follows the next name. */
  private static final Set<String> NAME_NOT_CALL_AFTER =
      Set.of(
          "into",
          "table",
          "copy",
          "references",
          "index",
          "view",
          "type",
          "function",
          "procedure",
          "trigger",
          "aggregate",
          "only",
          "as",
          "sequence",
          "routine",
          "domain");

  /** Words that end a FROM/USING/TRUNCATE list at its own nesting level. */
  private static final Set<String> LIST_END =
      Set.of(
          "where",
          "group",
          "having",
          "order",
          "limit",
          "offset",
          "fetch",
          "window",
          "union",
          "intersect",
          "except",
          "for",
          "returning",
          "set",
          "values",
          "select",
          "do",
          "then",
          "when",
          "into",
          "cascade",
          "restrict",
          "restart",
          "continue");

  /** Words that cannot be an alias after a relation name. */
  private static final Set<String> NON_ALIAS =
      Set.of(
          "where",
          "join",
          "inner",
          "left",
          "right",
          "full",
          "cross",
          "natural",
          "on",
          "using",
          "group",
          "order",
          "limit",
          "offset",
          "fetch",
          "union",
          "intersect",
          "except",
          "window",
          "having",
          "for",
          "set",
          "returning",
          "values",
          "select",
          "default",
          "with",
          "as",
          "into",
          "lateral",
          "when",
          "then",
          "else",
          "end",
          "from",
          "do",
          "overriding",
          "tablesample",
          "cascade",
          "restrict",
          "restart",
          "continue",
          "nowait",
          "skip",
          "in",
          "share",
          "exclusive",
          "row",
          "access",
          "mode",
          "partition",
          "and",
          "or",
          "not",
          "is",
          "asc",
          "desc",
          "over",
          "table",
          "to",
          "owner",
          "rename",
          "add",
          "alter",
          "drop",
          "configure",
          "split",
          "scatter",
          "experimental_relocate",
          "unsplit",
          "inject");

  /** SQL-standard functions whose argument syntax uses FROM. */
  private static final Set<String> FROM_FUNCTIONS =
      Set.of("extract", "substring", "substr", "trim", "overlay", "position", "normalize");

  private static final Set<String> DML = Set.of("insert", "update", "delete", "upsert", "merge");

  private static final Set<String> NESTED_STARTERS =
      Set.of(
          "insert",
          "update",
          "delete",
          "upsert",
          "merge",
          "create",
          "drop",
          "alter",
          "truncate",
          "grant",
          "revoke",
          "explain",
          "set",
          "reset",
          "copy",
          "import",
          "export",
          "backup",
          "restore");

  /** Classifies exactly one statement; several statements are merged conservatively. */
  public static Classification classify(String sql) {
    List<SqlToken> tokens = SqlLexer.tokenize(sql);
    List<List<SqlToken>> stmts = SqlLexer.splitTokens(tokens);
    if (stmts.isEmpty()) {
      return new Classification(
          StatementKind.EMPTY, "", false, List.of(), List.of(), List.of("empty statement"));
    }
    if (stmts.size() == 1) {
      return analyze(stmts.get(0)).classification();
    }
    Classification first = null;
    StatementKind kind = StatementKind.READ;
    boolean writes = false;
    Set<String> rels = new LinkedHashSet<>();
    Set<String> fns = new LinkedHashSet<>();
    List<String> reasons = new ArrayList<>();
    reasons.add(stmts.size() + " statements");
    for (List<SqlToken> s : stmts) {
      Classification c = analyze(s).classification();
      if (first == null) {
        first = c;
      }
      if (kind == StatementKind.READ && c.kind() != StatementKind.READ) {
        kind = c.kind();
      }
      writes |= c.writes();
      rels.addAll(c.relations());
      fns.addAll(c.functions());
      reasons.addAll(c.reasons());
    }
    return new Classification(
        kind, first.command(), writes, List.copyOf(rels), List.copyOf(fns), reasons);
  }

  // ---------------------------------------------------------------------------------------------
  // Analysis

  /** A relation reference: name parts, token range of the name, and the alias token (or -1). */
  record Rel(List<String> parts, int from, int to, int aliasIndex) {
    String name() {
      return String.join(".", parts);
    }

    String table() {
      return parts.get(parts.size() - 1);
    }

    String schema() {
      return parts.size() >= 2 ? parts.get(parts.size() - 2) : null;
    }
  }

  /** Everything learnt about one statement; the guard reads it directly. */
  static final class Analysis {
    final List<SqlToken> tokens;
    StatementKind kind = StatementKind.UTILITY;
    String command = "";
    boolean writes = true;
    final List<Rel> rels = new ArrayList<>();
    final List<String> functions = new ArrayList<>();

    /**
     * Names that PostgreSQL may resolve to a function although no {@code (} follows them: an
     * identifier after {@code .} ({@code (expr).f} and {@code alias.f} are attribute notation for
     * {@code f(expr)} and {@code f(alias)}), and a keyword such as {@code over} or {@code filter}
     * written before {@code (} (a function may have that name). Only the database can tell which
     * are calls; {@link DatabaseChecks} looks them up, the guard refuses the always-refused ones.
     */
    final Set<String> possibleCalls = new LinkedHashSet<>();

    final List<String> reasons = new ArrayList<>();
    final List<String> nestedCommands = new ArrayList<>();
    final Set<String> cteNames = new LinkedHashSet<>();

    /** Token indices of CTE names in their definitions (not calls even if "(" follows). */
    final Set<Integer> cteHeaders = new java.util.HashSet<>();

    /** For COPY: STDIN, STDOUT, PROGRAM or FILE. */
    String copyTarget;

    /** For USE db / SET database = db: the database. */
    String database;

    boolean numericTableRef;

    Analysis(List<SqlToken> tokens) {
      this.tokens = tokens;
    }

    Classification classification() {
      Set<String> names = new LinkedHashSet<>();
      List<Rel> ordered = new ArrayList<>(rels);
      ordered.sort(java.util.Comparator.comparingInt(Rel::from));
      for (Rel r : ordered) {
        names.add(r.name());
      }
      return new Classification(
          kind,
          command,
          writes,
          List.copyOf(names),
          List.copyOf(new LinkedHashSet<>(functions)),
          reasons);
    }
  }

  /** Result of classifying the leading command. */
  private static final class Head {
    StatementKind kind;
    String command;
    boolean writes;

    /** False for plain EXPLAIN: nothing in the statement runs. */
    boolean executes = true;

    Head(StatementKind kind, String command, boolean writes) {
      this.kind = kind;
      this.command = command;
      this.writes = writes;
    }
  }

  static Analysis analyze(List<SqlToken> tokens) {
    Analysis a = new Analysis(tokens);
    if (tokens.isEmpty()) {
      a.kind = StatementKind.EMPTY;
      a.writes = false;
      a.reasons.add("empty statement");
      return a;
    }
    Scan s = new Scan(tokens);
    List<SqlToken> t = s.t;
    collectCteNames(s, a);
    collectFunctions(s, a);
    collectRelations(s, a);
    collectNested(s, a);

    Head h = head(s, 0, a);
    a.kind = h.kind;
    a.command = h.command;
    a.writes = h.writes;
    if (!h.executes) {
      return a;
    }
    // Data-modifying statements anywhere (CTEs, CockroachDB [ ... ] sources, subqueries).
    Set<String> nested = new HashSet<>(a.nestedCommands);
    for (int k = 0; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.kind() != SqlToken.Kind.WORD || !DML.contains(tok.value()) || k == 0) {
        continue;
      }
      SqlToken prev = t.get(k - 1);
      SqlToken next = k + 1 < t.size() ? t.get(k + 1) : null;
      if (prev.is(".") || (next != null && next.is("."))) {
        continue;
      }
      if (tok.value().equals("update")
          && (prev.isWord("for") || prev.isWord("key") || prev.isWord("on") || prev.isWord("do"))) {
        continue;
      }
      if (tok.value().equals("delete") && prev.isWord("on")) {
        continue;
      }
      if (prev.isWord("as") && !(next != null && (next.isIdentifier()))) {
        continue;
      }
      if (prev.isWord("then") || prev.isWord("do") || prev.isWord("merge")) {
        continue; // MERGE ... WHEN MATCHED THEN UPDATE, ON CONFLICT DO UPDATE: part of a write
      }
      String verb = tok.value().toUpperCase(Locale.ROOT);
      a.writes = true;
      if (nested.add(verb)) {
        a.nestedCommands.add(verb);
      }
      if (a.kind == StatementKind.READ) {
        a.kind = StatementKind.WRITE;
      }
      if (!verb.equals(a.command)) {
        a.reasons.add(
            (t.get(0).isWord("with") ? "data-modifying CTE: " : "data-modifying statement: ")
                + verb);
      }
    }
    // SELECT ... INTO creates a table.
    for (int k = 1; a.kind == StatementKind.READ && k < t.size(); k++) {
      if (t.get(k).isWord("into")) {
        SqlToken prev = t.get(k - 1);
        if (prev.kind() == SqlToken.Kind.WORD && INTO_NOT_SELECT_INTO.contains(prev.value())) {
          continue;
        }
        a.writes = true;
        if (a.kind == StatementKind.READ) {
          a.kind = StatementKind.WRITE;
          a.command = "SELECT INTO";
        }
        a.reasons.add("SELECT ... INTO creates a table");
        break;
      }
    }
    // Locking clauses.
    for (int k = 0; k + 1 < t.size(); k++) {
      if (!t.get(k).isWord("for")) {
        continue;
      }
      String lock = null;
      if (t.get(k + 1).isWord("update")) {
        lock = "FOR UPDATE";
      } else if (t.get(k + 1).isWord("share")) {
        lock = "FOR SHARE";
      } else if (k + 2 < t.size() && t.get(k + 1).isWord("key") && t.get(k + 2).isWord("share")) {
        lock = "FOR KEY SHARE";
      } else if (k + 3 < t.size()
          && t.get(k + 1).isWord("no")
          && t.get(k + 2).isWord("key")
          && t.get(k + 3).isWord("update")) {
        lock = "FOR NO KEY UPDATE";
      }
      if (lock != null) {
        a.writes = true;
        a.reasons.add("locking clause " + lock + " takes row locks");
      }
    }
    for (String f : a.functions) {
      if (FunctionRules.isSideEffect(f)) {
        a.writes = true;
        a.reasons.add("side-effect function: " + f);
      }
    }
    return a;
  }

  private static final Set<String> INTO_NOT_SELECT_INTO =
      Set.of("insert", "upsert", "merge", "import", "export");

  // ---------------------------------------------------------------------------------------------
  // Indexes

  private static boolean isOpen(SqlToken tok) {
    return tok.is("(") || tok.is("[");
  }

  private static boolean isClose(SqlToken tok) {
    return tok.is(")") || tok.is("]");
  }

  /**
   * What the scans of one statement need to know about its brackets, computed once in linear time
   * so that no scan re-reads a nested group: every scan that cares only about its own nesting level
   * jumps from an opening bracket straight to its closing one.
   */
  private static final class Scan {
    final List<SqlToken> t;
    final int n;

    /** For an opening {@code (} or {@code [}: the index of its closing bracket, or -1. */
    final int[] match;

    /** The last index of CONFIGURE followed by ZONE, or -1. */
    final int lastConfigureZone;

    Scan(List<SqlToken> tokens) {
      this.t = tokens instanceof RandomAccess ? tokens : new ArrayList<>(tokens);
      this.n = t.size();
      this.match = new int[n];
      int[] open = new int[n];
      int depth = 0;
      int configureZone = -1;
      for (int k = 0; k < n; k++) {
        SqlToken tok = t.get(k);
        match[k] = -1;
        if (isOpen(tok)) {
          open[depth++] = k;
        } else if (isClose(tok)) {
          if (depth > 0) {
            match[open[--depth]] = k;
          }
        } else if (tok.isWord("configure") && k + 1 < n && t.get(k + 1).isWord("zone")) {
          configureZone = k;
        }
      }
      this.lastConfigureZone = configureZone;
    }

    /** As {@link StatementClassifier#matching}: the closing bracket, or the last index. */
    int close(int p) {
      return match[p] >= 0 ? match[p] : n - 1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leading command

  private static String word(List<SqlToken> t, int i) {
    return i >= 0 && i < t.size() && t.get(i).kind() == SqlToken.Kind.WORD ? t.get(i).value() : "";
  }

  private static String up(String s) {
    return s.toUpperCase(Locale.ROOT);
  }

  /** The leading command at {@code i0}, after any opening parentheses. */
  private static Head head(Scan s, int i0, Analysis a) {
    List<SqlToken> t = s.t;
    int i = i0;
    while (i < t.size() && t.get(i).is("(")) {
      i++;
    }
    if (i >= t.size()) {
      a.reasons.add("no command found");
      return new Head(StatementKind.UTILITY, "", true);
    }
    return command(s, i, a);
  }

  /**
   * The command starting at {@code i < n}. Recursion is bounded: WITH goes on to its main
   * statement, which is never WITH or EXPLAIN, and EXPLAIN walks its chain of EXPLAINs in a loop.
   */
  private static Head command(Scan s, int i, Analysis a) {
    List<SqlToken> t = s.t;
    SqlToken f = t.get(i);
    if (f.kind() != SqlToken.Kind.WORD) {
      a.reasons.add("statement does not start with a keyword; refused to fail closed");
      return new Head(StatementKind.UTILITY, f.text(), true);
    }
    String w = f.value();
    String w2 = word(t, i + 1);
    String w3 = word(t, i + 2);
    switch (w) {
      case "select":
      case "values":
      case "table":
      case "show":
        return new Head(StatementKind.READ, up(w), false);
      case "with":
        {
          int main = mainAfterWith(s, i);
          if (main < 0) {
            return new Head(StatementKind.READ, "WITH", false);
          }
          return command(s, main, a);
        }
      case "explain":
        return explain(s, i, a);
      case "insert":
      case "update":
      case "delete":
      case "upsert":
      case "merge":
      case "truncate":
        return new Head(StatementKind.WRITE, up(w), true);
      case "copy":
        return copy(t, i, a);
      case "create":
        return create(t, i, a);
      case "alter":
        return alter(s, i, a);
      case "drop":
        return drop(t, i);
      case "comment":
        return new Head(StatementKind.DDL, "COMMENT ON", true);
      case "security":
        return new Head(StatementKind.DDL, "SECURITY LABEL", true);
      case "refresh":
        return new Head(StatementKind.DDL, "REFRESH MATERIALIZED VIEW", true);
      case "reindex":
      case "cluster":
      case "vacuum":
      case "analyze":
      case "analyse":
        return new Head(StatementKind.UTILITY, up(w), true);
      case "grant":
      case "revoke":
        return new Head(StatementKind.PRIVILEGE, up(w), true);
      case "reassign":
        return new Head(StatementKind.PRIVILEGE, "REASSIGN OWNED", true);
      case "begin":
      case "commit":
      case "end":
      case "rollback":
      case "abort":
      case "savepoint":
      case "release":
        return new Head(StatementKind.TRANSACTION_CONTROL, up(w), true);
      case "start":
        return new Head(StatementKind.TRANSACTION_CONTROL, "START TRANSACTION", true);
      case "prepare":
        if (w2.equals("transaction")) {
          return new Head(StatementKind.TRANSACTION_CONTROL, "PREPARE TRANSACTION", true);
        }
        return new Head(StatementKind.UTILITY, "PREPARE", true);
      case "set":
        return set(t, i, a);
      case "reset":
        if (w2.equals("cluster") && w3.equals("setting")) {
          return new Head(StatementKind.CLUSTER_SETTING, "RESET CLUSTER SETTING", true);
        }
        return new Head(
            StatementKind.SESSION_SETTING, w2.equals("all") ? "RESET ALL" : "RESET", true);
      case "use":
        a.database = identValue(t, i + 1);
        return new Head(StatementKind.SESSION_SETTING, "USE", true);
      case "experimental":
      case "cancel":
      case "pause":
      case "resume":
        return new Head(StatementKind.UTILITY, (up(w) + " " + up(w2)).trim(), true);
      case "do":
      case "call":
      case "execute":
      case "deallocate":
      case "listen":
      case "notify":
      case "unlisten":
      case "load":
      case "lock":
      case "discard":
      case "checkpoint":
      case "import":
      case "export":
      case "backup":
      case "restore":
      case "declare":
      case "fetch":
      case "move":
      case "close":
      case "scrub":
      case "inspect":
        return new Head(StatementKind.UTILITY, up(w), true);
      default:
        a.reasons.add("unrecognized command " + up(w) + "; refused to fail closed");
        return new Head(StatementKind.UTILITY, up(w), true);
    }
  }

  /**
   * Only the command name of the statement starting at {@code i}, as {@link #command} would give
   * it, without following EXPLAIN to the statement it explains or scanning COPY (their names do not
   * depend on it).
   */
  private static String commandName(Scan s, int i) {
    String w = word(s.t, i);
    if (w.equals("explain")) {
      ExplainOptions o = explainOptions(s, i);
      return o.end < s.n && o.analyze ? "EXPLAIN ANALYZE" : "EXPLAIN";
    }
    if (w.equals("copy")) {
      return "COPY";
    }
    return command(s, i, new Analysis(s.t)).command;
  }

  private static String identValue(List<SqlToken> t, int i) {
    if (i < t.size() && (t.get(i).isIdentifier() || t.get(i).kind() == SqlToken.Kind.STRING)) {
      return t.get(i).value();
    }
    return null;
  }

  private static final Set<String> ANALYZE_OFF = Set.of("false", "off", "0", "no");

  /** The end of an EXPLAIN's options (ANALYZE, VERBOSE, {@code (...)}) and whether it analyzes. */
  private record ExplainOptions(int end, boolean analyze) {}

  private static ExplainOptions explainOptions(Scan s, int i) {
    List<SqlToken> t = s.t;
    int p = i + 1;
    boolean analyze = false;
    while (p < t.size()) {
      String w = word(t, p);
      if (w.equals("analyze") || w.equals("analyse")) {
        analyze = true;
        p++;
      } else if (w.equals("verbose")) {
        p++;
      } else if (t.get(p).is("(")) {
        int close = s.close(p);
        int itemStart = p + 1;
        // The options at this level only: nested brackets are jumped over.
        int k = p + 1;
        while (k <= close) {
          if (k == close || t.get(k).is(",")) {
            String name = word(t, itemStart);
            if (name.equals("analyze") || name.equals("analyse")) {
              String v =
                  itemStart + 1 < k ? t.get(itemStart + 1).value().toLowerCase(Locale.ROOT) : "";
              if (!ANALYZE_OFF.contains(v)) {
                analyze = true;
              }
            }
            itemStart = k + 1;
          }
          if (k < close && isOpen(t.get(k))) {
            // Land on the closing bracket (or on close when this one is never closed).
            k = s.match[k] >= 0 ? s.match[k] : close;
          } else {
            k++;
          }
        }
        p = close + 1;
      } else {
        break;
      }
    }
    return new ExplainOptions(p, analyze);
  }

  /**
   * EXPLAIN at {@code i0}, and the EXPLAINs it explains in turn, in a loop rather than by recursion
   * so that a long chain of EXPLAIN keywords costs linear time and no stack.
   */
  private static Head explain(Scan s, int i0, Analysis a) {
    List<SqlToken> t = s.t;
    List<Boolean> analyzes = new ArrayList<>();
    Head inner;
    int i = i0;
    while (true) {
      ExplainOptions o = explainOptions(s, i);
      if (o.end >= t.size()) {
        a.reasons.add("EXPLAIN without a statement");
        inner = new Head(StatementKind.UTILITY, "EXPLAIN", true);
        break;
      }
      analyzes.add(o.analyze);
      if (t.get(o.end).isWord("explain")) {
        i = o.end;
        continue;
      }
      inner = command(s, o.end, a); // never "(": explainOptions consumed it
      break;
    }
    // Innermost first, as the recursive definition would.
    for (int l = analyzes.size() - 1; l >= 0; l--) {
      a.nestedCommands.add(inner.command);
      Head h;
      if (analyzes.get(l)) {
        a.reasons.add("EXPLAIN ANALYZE executes the statement (" + inner.command + ")");
        h = new Head(inner.kind, "EXPLAIN ANALYZE", inner.writes);
        h.executes = inner.executes;
      } else {
        a.reasons.add("plain EXPLAIN does not execute the statement");
        h = new Head(StatementKind.READ, "EXPLAIN", false);
        h.executes = false;
      }
      inner = h;
    }
    return inner;
  }

  /** Called at most once per statement (as the leading command), so it may scan to the end. */
  private static Head copy(List<SqlToken> t, int i, Analysis a) {
    int d = 0;
    for (int k = i + 1; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.is("(") || tok.is("[")) {
        d++;
      } else if (tok.is(")") || tok.is("]")) {
        d--;
      } else if (d == 0 && (tok.isWord("from") || tok.isWord("to"))) {
        boolean from = tok.isWord("from");
        String target = "FILE";
        if (k + 1 < t.size()) {
          SqlToken n = t.get(k + 1);
          if (n.isWord("program")) {
            target = "PROGRAM";
          } else if (n.isWord("stdin")) {
            target = "STDIN";
          } else if (n.isWord("stdout")) {
            target = "STDOUT";
          }
        }
        a.copyTarget = target;
        a.reasons.add("COPY " + (from ? "FROM " : "TO ") + target);
        if (from) {
          return new Head(StatementKind.WRITE, "COPY", true);
        }
        if (target.equals("STDOUT")) {
          return new Head(StatementKind.READ, "COPY", false);
        }
        return new Head(StatementKind.UTILITY, "COPY", true);
      }
    }
    a.copyTarget = "FILE";
    return new Head(StatementKind.UTILITY, "COPY", true);
  }

  private static final Set<String> CREATE_MODIFIERS =
      Set.of(
          "or",
          "replace",
          "temp",
          "temporary",
          "unlogged",
          "global",
          "local",
          "unique",
          "recursive",
          "trusted",
          "procedural",
          "default",
          "constraint",
          "virtual",
          "inverted",
          "if",
          "not",
          "exists");

  private static String objectName(List<SqlToken> t, int p) {
    String o = word(t, p);
    String n = word(t, p + 1);
    switch (o) {
      case "materialized":
      case "foreign":
      case "event":
      case "text":
      case "access":
        return (o + " " + n).trim();
      case "operator":
        return n.equals("class") || n.equals("family") ? o + " " + n : o;
      case "user":
        return n.equals("mapping") ? "user mapping" : o;
      default:
        return o;
    }
  }

  private static Head create(List<SqlToken> t, int i, Analysis a) {
    // The modifier runs after different CREATEs never overlap: CREATE is not a modifier.
    int p = i + 1;
    while (p < t.size() && CREATE_MODIFIERS.contains(word(t, p))) {
      p++;
    }
    String obj = objectName(t, p);
    String cmd = ("CREATE " + up(obj)).trim();
    switch (obj) {
      case "user":
      case "role":
      case "group":
        return new Head(StatementKind.PRIVILEGE, cmd, true);
      case "changefeed":
      case "schedule":
        return new Head(StatementKind.UTILITY, cmd, true);
      default:
        return new Head(StatementKind.DDL, cmd, true);
    }
  }

  private static Head alter(Scan s, int i, Analysis a) {
    String obj = objectName(s.t, i + 1);
    // CONFIGURE ZONE anywhere after the ALTER.
    if (s.lastConfigureZone >= i + 1) {
      return new Head(
          StatementKind.CLUSTER_SETTING, ("ALTER " + up(obj)).trim() + " CONFIGURE ZONE", true);
    }
    switch (obj) {
      case "user":
      case "role":
      case "group":
        return new Head(StatementKind.PRIVILEGE, "ALTER " + up(obj), true);
      case "default":
        return new Head(StatementKind.PRIVILEGE, "ALTER DEFAULT PRIVILEGES", true);
      case "system":
        return new Head(StatementKind.CLUSTER_SETTING, "ALTER SYSTEM", true);
      default:
        return new Head(StatementKind.DDL, ("ALTER " + up(obj)).trim(), true);
    }
  }

  private static Head drop(List<SqlToken> t, int i) {
    String obj = objectName(t, i + 1);
    switch (obj) {
      case "user":
      case "role":
      case "group":
        return new Head(StatementKind.PRIVILEGE, "DROP " + up(obj), true);
      case "owned":
        return new Head(StatementKind.PRIVILEGE, "DROP OWNED", true);
      default:
        return new Head(StatementKind.DDL, ("DROP " + up(obj)).trim(), true);
    }
  }

  private static Head set(List<SqlToken> t, int i, Analysis a) {
    String w2 = word(t, i + 1);
    String w3 = word(t, i + 2);
    if (w2.equals("cluster") && w3.equals("setting")) {
      return new Head(StatementKind.CLUSTER_SETTING, "SET CLUSTER SETTING", true);
    }
    String cmd = "SET";
    int var = i + 1;
    if (w2.equals("session") || w2.equals("local")) {
      var = i + 2;
      if (w3.equals("characteristics")) {
        cmd = "SET SESSION CHARACTERISTICS";
      } else if (w3.equals("authorization")) {
        cmd = "SET SESSION AUTHORIZATION";
      } else if (w3.equals("role")) {
        cmd = "SET ROLE";
      }
    } else if (w2.equals("transaction")) {
      cmd = "SET TRANSACTION";
    } else if (w2.equals("role")) {
      cmd = "SET ROLE";
    } else if (w2.equals("constraints")) {
      cmd = "SET CONSTRAINTS";
    }
    if (word(t, var).equals("database")) {
      int v = var + 1;
      if (v < t.size() && (t.get(v).is("=") || t.get(v).isWord("to"))) {
        v++;
      }
      a.database = identValue(t, v);
    }
    return new Head(StatementKind.SESSION_SETTING, cmd, true);
  }

  private static final Set<String> MAIN_READS = Set.of("select", "values", "table");

  /** Index of the main statement after the CTE list of the WITH at {@code i}, or -1. */
  private static int mainAfterWith(Scan s, int i) {
    List<SqlToken> t = s.t;
    int k = i + 1;
    while (k < t.size()) {
      SqlToken tok = t.get(k);
      if (isOpen(tok)) {
        if (s.match[k] < 0) {
          return -1; // never back at this level
        }
        k = s.match[k] + 1;
        continue;
      }
      if (isClose(tok)) {
        return -1;
      }
      if (tok.kind() == SqlToken.Kind.WORD
          && (DML.contains(tok.value()) || MAIN_READS.contains(tok.value()))) {
        return k;
      }
      k++;
    }
    return -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Scans

  /**
   * Index of the bracket closing the one at {@code p}, or the last index when unbalanced. Linear in
   * the distance; the classifier itself uses its precomputed {@link Scan#close}.
   */
  static int matching(List<SqlToken> t, int p) {
    int d = 0;
    for (int k = p; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.is("(") || tok.is("[")) {
        d++;
      } else if (tok.is(")") || tok.is("]")) {
        d--;
        if (d == 0) {
          return k;
        }
      }
    }
    return t.size() - 1;
  }

  private static String partValue(SqlToken tok) {
    return tok.value();
  }

  private static final Set<String> CTE_SEARCH_STOP =
      Set.of("select", "insert", "update", "delete", "upsert", "merge", "values");

  private static void collectCteNames(Scan s, Analysis a) {
    List<SqlToken> t = s.t;
    int n = s.n;
    // Entries already read: reading a CTE list from an entry on is the same whichever WITH got
    // there, so a second visit stops (nested WITHs can share a tail through SEARCH clauses).
    boolean[] read = new boolean[n];
    int[] searchEnd = null;
    for (int k = 0; k < n; k++) {
      if (!t.get(k).isWord("with")) {
        continue;
      }
      int p = k + 1;
      if (word(t, p).equals("recursive")) {
        p++;
      }
      while (p < n && t.get(p).isIdentifier() && !read[p]) {
        read[p] = true;
        String name = partValue(t.get(p));
        int q = p + 1;
        if (q < n && t.get(q).is("(")) {
          q = s.close(q) + 1;
        }
        if (!word(t, q).equals("as")) {
          break;
        }
        q++;
        if (word(t, q).equals("not")) {
          q++;
        }
        if (word(t, q).equals("materialized")) {
          q++;
        }
        if (q >= n || !t.get(q).is("(")) {
          break;
        }
        a.cteNames.add(name);
        a.cteHeaders.add(p);
        q = s.close(q) + 1;
        // SEARCH / CYCLE clauses: skip to the next comma, "(" or statement word.
        if (word(t, q).equals("search") || word(t, q).equals("cycle")) {
          if (searchEnd == null) {
            searchEnd = searchEnds(t);
          }
          q = searchEnd[q];
        }
        if (q < n && t.get(q).is(",")) {
          p = q + 1;
        } else {
          break;
        }
      }
    }
  }

  /** For each index, the first index at or after it holding ",", "(" or a statement word. */
  private static int[] searchEnds(List<SqlToken> t) {
    int n = t.size();
    int[] end = new int[n + 1];
    end[n] = n;
    for (int k = n - 1; k >= 0; k--) {
      SqlToken tok = t.get(k);
      boolean stop = tok.is(",") || tok.is("(") || CTE_SEARCH_STOP.contains(word(t, k));
      end[k] = stop ? k : end[k + 1];
    }
    return end;
  }

  private static void collectFunctions(Scan s, Analysis a) {
    List<SqlToken> t = s.t;
    for (int k = 1; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.isIdentifier()
          && t.get(k - 1).is(".")
          && !(k + 1 < t.size() && t.get(k + 1).is("("))) {
        a.possibleCalls.add(tok.value());
      }
    }
    for (int k = 0; k + 1 < t.size(); k++) {
      SqlToken tok = t.get(k);
      // After ")" a keyword continues the call before it (count(*) FILTER (...), row_number()
      // OVER (...), percentile_cont(x) WITHIN GROUP (...)); a call cannot start there.
      if (tok.kind() == SqlToken.Kind.WORD
          && t.get(k + 1).is("(")
          && NOT_FUNCTIONS.contains(tok.value())
          && !(k > 0 && (t.get(k - 1).is(")") || t.get(k - 1).is("]")))
          && !a.cteHeaders.contains(k)) {
        a.possibleCalls.add(tok.value());
      }
      if (!tok.isIdentifier() || !t.get(k + 1).is("(") || a.cteHeaders.contains(k)) {
        continue;
      }
      // The qualified name ends at k; each dotted chain precedes exactly one "(".
      int first = k;
      while (first >= 2 && t.get(first - 1).is(".") && t.get(first - 2).isIdentifier()) {
        first -= 2;
      }
      if (first == k && tok.kind() == SqlToken.Kind.WORD && NOT_FUNCTIONS.contains(tok.value())) {
        continue;
      }
      StringBuilder name = new StringBuilder(partValue(t.get(first)));
      for (int j = first + 2; j <= k; j += 2) {
        name.append('.').append(partValue(t.get(j)));
      }
      String q = name.toString();
      if (first >= 1
          && t.get(first - 1).kind() == SqlToken.Kind.WORD
          && NAME_NOT_CALL_AFTER.contains(t.get(first - 1).value())) {
        // INSERT INTO t (cols), CREATE INDEX ON t (cols), AS alias(cols) ... are not calls; but
        // stay conservative for names that are dangerous functions.
        if (!FunctionRules.isSideEffect(q) && !FunctionRules.isDangerous(q)) {
          continue;
        }
      }
      a.functions.add(q);
    }
  }

  private static void collectNested(Scan s, Analysis a) {
    List<SqlToken> t = s.t;
    for (int k = 1; k + 1 < t.size(); k++) {
      if (isOpen(t.get(k)) && NESTED_STARTERS.contains(word(t, k + 1))) {
        a.nestedCommands.add(commandName(s, k + 1));
      }
    }
  }

  private static void collectRelations(Scan s, Analysis a) {
    List<SqlToken> t = s.t;
    // Innermost enclosing call name for each token, to skip EXTRACT(x FROM y) and friends.
    String[] enclosing = new String[t.size()];
    Deque<String> stack = new ArrayDeque<>();
    for (int k = 0; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      enclosing[k] = stack.isEmpty() ? "" : stack.peek();
      if (tok.is("(")) {
        stack.push(k > 0 && t.get(k - 1).kind() == SqlToken.Kind.WORD ? t.get(k - 1).value() : "");
      } else if (tok.is("[")) {
        stack.push("[");
      } else if ((tok.is(")") || tok.is("]")) && !stack.isEmpty()) {
        stack.pop();
      }
    }
    Relations r = new Relations(s, a);
    for (int k = 0; k < t.size(); k++) {
      SqlToken tok = t.get(k);
      if (tok.kind() != SqlToken.Kind.WORD) {
        continue;
      }
      SqlToken prev = k > 0 ? t.get(k - 1) : null;
      SqlToken next = k + 1 < t.size() ? t.get(k + 1) : null;
      if (prev != null && prev.is(".")) {
        continue;
      }
      switch (tok.value()) {
        case "from":
          if (prev != null && prev.isWord("distinct")) {
            break;
          }
          if (FROM_FUNCTIONS.contains(enclosing[k])) {
            break;
          }
          r.list(k + 1);
          break;
        case "using":
          if (next != null && !next.is("(")) {
            r.list(k + 1);
          }
          break;
        case "truncate":
          r.list(k + 1);
          break;
        case "join":
          r.item(k + 1, false);
          break;
        case "update":
          if (prev == null
              || !(prev.isWord("for")
                  || prev.isWord("key")
                  || prev.isWord("on")
                  || prev.isWord("do")
                  || prev.isWord("then"))) {
            r.item(k + 1, false);
          }
          break;
        case "into":
        case "copy":
        case "table":
        case "lock":
          if (next != null && !next.is("(")) {
            r.item(k + 1, true);
          }
          break;
        default:
          break;
      }
    }
    a.rels.removeIf(rel -> rel.parts().size() == 1 && a.cteNames.contains(rel.parts().get(0)));
  }

  private static final Set<String> ITEM_SKIP =
      Set.of("only", "lateral", "if", "not", "exists", "temp", "temporary", "unlogged", "table");

  private static final Set<String> NOT_RELATION =
      Set.of("stdin", "stdout", "program", "select", "values", "with", "rows", "all");

  /**
   * FROM lists and items of one statement. Reading an item, or the rest of a list from a given
   * token, has the same effect however often it is done (relations are recorded once per position),
   * so each is done at most once: the work stays linear even for {@code FROM FROM FROM ...} or
   * {@code TABLE TABLE TABLE ...}.
   */
  private static final class Relations {
    final Scan s;
    final List<SqlToken> t;
    final int n;
    final Analysis a;

    /** For each index, the first index at or after it that is not an {@link #ITEM_SKIP} word. */
    final int[] skipEnd;

    /** List positions already walked (at their list's own level). */
    final boolean[] listed;

    /** Items already read, by start index after skipped words; with and without column lists. */
    final boolean[] itemRead;

    final boolean[] itemReadCols;

    /** Relations already recorded, by the index of their first name part. */
    final boolean[] seen;

    /** Numeric table references already reported, by the index of their "[". */
    final boolean[] numericSeen;

    Relations(Scan s, Analysis a) {
      this.s = s;
      this.t = s.t;
      this.n = s.n;
      this.a = a;
      this.skipEnd = new int[n + 1];
      skipEnd[n] = n;
      for (int k = n - 1; k >= 0; k--) {
        skipEnd[k] = ITEM_SKIP.contains(word(t, k)) ? skipEnd[k + 1] : k;
      }
      this.listed = new boolean[n];
      this.itemRead = new boolean[n];
      this.itemReadCols = new boolean[n];
      this.seen = new boolean[n];
      this.numericSeen = new boolean[n];
    }

    /** A comma-separated list of items at the nesting level of {@code p}. */
    void list(int p) {
      item(p, false);
      int k = p;
      while (k < n && !listed[k]) {
        listed[k] = true;
        SqlToken tok = t.get(k);
        if (isOpen(tok)) {
          if (s.match[k] < 0) {
            return; // never back at this level
          }
          k = s.match[k] + 1;
          continue;
        }
        if (isClose(tok)) {
          return;
        }
        if (tok.is(",")) {
          item(k + 1, false);
        } else if (tok.kind() == SqlToken.Kind.WORD && LIST_END.contains(tok.value())) {
          return;
        }
        k++;
      }
    }

    /** One FROM item (or INSERT/UPDATE target) at {@code p0}. */
    void item(int p0, boolean cols) {
      int p = p0 < n ? skipEnd[p0] : p0;
      if (p >= n) {
        return;
      }
      boolean[] read = cols ? itemReadCols : itemRead;
      if (read[p]) {
        return;
      }
      read[p] = true;
      SqlToken tok = t.get(p);
      if (tok.is("[")) {
        if (p + 1 < n && t.get(p + 1).kind() == SqlToken.Kind.NUMBER && !numericSeen[p]) {
          numericSeen[p] = true;
          a.numericTableRef = true;
          a.reasons.add("numeric table reference [" + t.get(p + 1).text() + " ...]");
        }
        return;
      }
      if (!tok.isIdentifier()
          || (tok.kind() == SqlToken.Kind.WORD && NOT_RELATION.contains(tok.value()))) {
        return; // a subquery "(" (its own FROM lists are read where they start), or no relation
      }
      int from = p;
      List<String> parts = new ArrayList<>();
      parts.add(partValue(tok));
      int j = p + 1;
      while (j + 1 < n && t.get(j).is(".") && t.get(j + 1).isIdentifier()) {
        parts.add(partValue(t.get(j + 1)));
        j += 2;
      }
      int to = j - 1;
      if (j < n && t.get(j).is("(") && !cols) {
        return; // table function
      }
      p = j;
      if (p < n && t.get(p).is("@")) {
        p++;
        if (p < n && t.get(p).is("[")) {
          p = s.close(p) + 1;
        } else {
          p++;
        }
      }
      if (p < n && t.get(p).is("*")) {
        p++;
      }
      int alias = -1;
      if (word(t, p).equals("as")) {
        if (!word(t, p + 1).equals("of") && p + 1 < n && t.get(p + 1).isIdentifier()) {
          alias = p + 1;
        }
      } else if (p < n
          && t.get(p).isIdentifier()
          && (t.get(p).kind() == SqlToken.Kind.QUOTED_IDENT
              || !NON_ALIAS.contains(t.get(p).value()))) {
        alias = p;
      }
      if (!seen[from]) {
        seen[from] = true;
        a.rels.add(new Rel(List.copyOf(parts), from, to, alias));
      }
    }
  }
}
