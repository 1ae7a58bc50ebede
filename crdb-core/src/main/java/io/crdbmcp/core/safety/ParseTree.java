package io.crdbmcp.core.safety;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What PostgreSQL's own parser made of one statement, read from the parse tree it prints with
 * {@code debug_print_parse} (the text of {@code nodeToString}): the functions, operators and
 * domains it resolved, by object id, and the relations it reads with the columns of each. Nothing
 * is planned or run to get it; the tree is what parse analysis produced for the Parse message.
 *
 * <p>The text is split into tokens the way PostgreSQL's own reader ({@code pg_strtok}) does:
 * whitespace separates tokens, {@code ( ) { }} are tokens of their own, and a backslash escapes the
 * next character. Every value written from user text (aliases, column names, string constants) is
 * escaped so that it stays one token; a field label it may imitate is never followed by the number
 * the reader expects, so user text can add entries here but never hide one.
 */
final class ParseTree {

  /** Object ids of the functions the statement calls (explicitly, as operators, casts ...). */
  final Set<Long> functions = new LinkedHashSet<>();

  /** Object ids of the operators it uses (expressions, sorting, grouping, row comparisons). */
  final Set<Long> operators = new LinkedHashSet<>();

  /** Object ids of the domains it coerces values to (their CHECK constraints run). */
  final Set<Long> domains = new LinkedHashSet<>();

  /**
   * Each relation the statement reads or writes, by object id, with the attribute numbers it uses
   * ({@code 0} is the whole row); {@code null} when the tree lists the relation without its
   * columns.
   */
  final Map<Long, Set<Integer>> relations = new LinkedHashMap<>();

  /** Relation names as written in statements the parser keeps raw (DDL): {schema or null, name}. */
  final List<String[]> rangeVars = new ArrayList<>();

  private ParseTree() {}

  /**
   * Reads the text of one or more parse trees.
   *
   * @param attnoOffset {@code -FirstLowInvalidHeapAttributeNumber} of the server (7 since
   *     PostgreSQL 12): column sets hold attribute numbers shifted by it
   */
  static ParseTree parse(String text, int attnoOffset) {
    ParseTree out = new ParseTree();
    Tokens tokens = new Tokens(text);
    Deque<Frame> nodes = new ArrayDeque<>();
    for (String tok = tokens.next(); tok != null; tok = tokens.next()) {
      if (tok == OPEN_NODE) {
        String type = tokens.peek();
        nodes.push(new Frame(type == null || type == CLOSE_NODE ? "" : type));
        continue;
      }
      if (tok == CLOSE_NODE) {
        if (!nodes.isEmpty()) {
          out.close(nodes.pop(), attnoOffset);
        }
        continue;
      }
      if (tok.length() < 2 || tok.charAt(0) != ':' || nodes.isEmpty()) {
        continue;
      }
      Frame f = nodes.peek();
      String label = tok.substring(1);
      String next = tokens.peek();
      if (next == null) {
        break;
      }
      if (next == OPEN_LIST) {
        tokens.next();
        List<String> items = new ArrayList<>();
        // Atoms up to the end of the list; a node inside it is read by the main loop.
        while (tokens.peek() != null
            && tokens.peek() != CLOSE_LIST
            && tokens.peek() != OPEN_NODE
            && items.size() < MAX_LIST_ITEMS) {
          items.add(tokens.next());
        }
        out.list(f, label, items);
        continue;
      }
      Long number = number(next);
      if (number != null) {
        out.field(f, label, number);
      } else if (next != OPEN_NODE && next != CLOSE_NODE && next != CLOSE_LIST) {
        f.strings.put(label, next);
      }
    }
    while (!nodes.isEmpty()) {
      out.close(nodes.pop(), attnoOffset);
    }
    return out;
  }

  /** Column sets and oid lists hold at most one item per column or operator: far below this. */
  private static final int MAX_LIST_ITEMS = 100_000;

  /** One node being read: its type and the fields that matter once it is complete. */
  private static final class Frame {
    final String type;
    long relid;
    long resulttype;
    final Map<String, String> strings = new HashMap<>();
    Set<Integer> cols;

    Frame(String type) {
      this.type = type;
    }
  }

  private void field(Frame f, String label, long value) {
    if (value <= 0) {
      return;
    }
    if (label.endsWith("funcid") || label.endsWith("fnoid") || label.equals("tsmhandler")) {
      functions.add(value);
    } else if (label.equals("opno") || label.equals("sortop") || label.equals("eqop")) {
      operators.add(value);
    } else if (label.equals("relid")) {
      f.relid = value;
    } else if (label.equals("resulttype")) {
      f.resulttype = value;
    }
  }

  private void list(Frame f, String label, List<String> items) {
    if (items.isEmpty()) {
      return;
    }
    String kind = items.get(0);
    if (label.equals("opnos") && kind.equals("o")) {
      for (String s : items.subList(1, items.size())) {
        Long v = number(s);
        if (v != null && v > 0) {
          operators.add(v);
        }
      }
    } else if (kind.equals("b")
        && (label.equals("selectedCols")
            || label.equals("insertedCols")
            || label.equals("updatedCols"))) {
      if (f.cols == null) {
        f.cols = new LinkedHashSet<>();
      }
      for (String s : items.subList(1, items.size())) {
        Long v = number(s);
        if (v != null) {
          f.cols.add(v.intValue());
        }
      }
    }
  }

  private void close(Frame f, int attnoOffset) {
    switch (f.type) {
      case "RANGETBLENTRY", "RTE", "RTEPERMISSIONINFO" -> {
        if (f.relid > 0) {
          Set<Integer> cols = null;
          if (f.cols != null) {
            cols = new LinkedHashSet<>();
            for (int member : f.cols) {
              cols.add(member - attnoOffset);
            }
          }
          if (!relations.containsKey(f.relid)) {
            relations.put(f.relid, cols);
          } else if (cols != null) {
            Set<Integer> known = relations.get(f.relid);
            if (known == null) {
              relations.put(f.relid, cols);
            } else {
              known.addAll(cols);
            }
          }
        }
      }
      case "COERCETODOMAIN" -> {
        if (f.resulttype > 0) {
          domains.add(f.resulttype);
        }
      }
      case "RANGEVAR" -> {
        String name = f.strings.get("relname");
        if (name != null && !name.equals("<>")) {
          String schema = f.strings.get("schemaname");
          rangeVars.add(new String[] {schema == null || schema.equals("<>") ? null : schema, name});
        }
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------------------------ tokens

  private static final String OPEN_NODE = "{";
  private static final String CLOSE_NODE = "}";
  private static final String OPEN_LIST = "(";
  private static final String CLOSE_LIST = ")";

  /** All tokens of a text (see {@link Tokens}); for tests. */
  static List<String> tokens(String s) {
    List<String> out = new ArrayList<>();
    Tokens t = new Tokens(s);
    for (String tok = t.next(); tok != null; tok = t.next()) {
      out.add(tok);
    }
    return out;
  }

  /**
   * pg_strtok, one token at a time (a tree can be tens of megabytes; its tokens are never held all
   * at once): tokens separated by whitespace, the four brackets as tokens of their own (returned as
   * the shared constants above, so they are told from an escaped bracket by identity), a backslash
   * escaping the next character (a line break the server inserted to wrap a long line after a
   * backslash stands for the escaped space it replaced).
   */
  static final class Tokens {
    private final String s;
    private final int n;
    private int i;
    private String peeked;
    private final StringBuilder sb = new StringBuilder();

    Tokens(String s) {
      this.s = s;
      this.n = s.length();
    }

    String peek() {
      if (peeked == null) {
        peeked = read();
      }
      return peeked;
    }

    String next() {
      String t = peek();
      peeked = null;
      return t;
    }

    private String read() {
      while (i < n) {
        char c = s.charAt(i);
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
          i++;
          continue;
        }
        switch (c) {
          case '{' -> {
            i++;
            return OPEN_NODE;
          }
          case '}' -> {
            i++;
            return CLOSE_NODE;
          }
          case '(' -> {
            i++;
            return OPEN_LIST;
          }
          case ')' -> {
            i++;
            return CLOSE_LIST;
          }
          default -> {
            sb.setLength(0);
            while (i < n) {
              c = s.charAt(i);
              if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
                break;
              }
              if (c == '{' || c == '}' || c == '(' || c == ')') {
                break;
              }
              if (c == '\\' && i + 1 < n) {
                char e = s.charAt(i + 1);
                sb.append(e == '\n' ? ' ' : e);
                i += 2;
                continue;
              }
              sb.append(c);
              i++;
            }
            return sb.toString();
          }
        }
      }
      return null;
    }
  }

  private static Long number(String tok) {
    if (tok.isEmpty() || tok.length() > 18) {
      return null;
    }
    int start = tok.charAt(0) == '-' ? 1 : 0;
    if (start == tok.length()) {
      return null;
    }
    for (int k = start; k < tok.length(); k++) {
      char c = tok.charAt(k);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    return Long.parseLong(tok);
  }
}
