package io.crdbmcp.core.safety;

/**
 * One lexical token of a PostgreSQL/CockroachDB statement.
 *
 * @param kind the token class
 * @param text the exact source text of the token
 * @param value the normalized value: lowercased for {@link Kind#WORD}, escapes resolved for {@link
 *     Kind#QUOTED_IDENT} and {@link Kind#STRING}, the text otherwise
 * @param start offset of the first character in the source
 * @param end offset just past the last character in the source
 */
public record SqlToken(Kind kind, String text, String value, int start, int end) {

  /** Token classes. */
  public enum Kind {
    /** A keyword or unquoted identifier; value is lowercased. */
    WORD,
    /**
     * A double-quoted identifier ({@code "..."} or {@code U&"..."}); value has escapes resolved.
     */
    QUOTED_IDENT,
    /** A string constant of any flavour; value has escapes resolved where practical. */
    STRING,
    /** A numeric constant. */
    NUMBER,
    /** A positional parameter such as {@code $1}. */
    PARAM,
    /** An operator such as {@code ::}, {@code =}, {@code ->>}. */
    OPERATOR,
    /** One of {@code ( ) [ ] , ; . :}. */
    PUNCT
  }

  /** True for a {@link Kind#WORD} whose lowercased value is {@code word}. */
  public boolean isWord(String word) {
    return kind == Kind.WORD && value.equals(word);
  }

  /** True for a {@link Kind#PUNCT} or {@link Kind#OPERATOR} whose text is {@code p}. */
  public boolean is(String p) {
    return (kind == Kind.PUNCT || kind == Kind.OPERATOR) && text.equals(p);
  }

  /** True for a word or a quoted identifier, i.e. something that can name an object. */
  public boolean isIdentifier() {
    return kind == Kind.WORD || kind == Kind.QUOTED_IDENT;
  }
}
