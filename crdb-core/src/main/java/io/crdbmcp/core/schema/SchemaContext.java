package io.crdbmcp.core.schema;

import io.crdbmcp.core.schema.SchemaSnapshot.Column;
import io.crdbmcp.core.schema.SchemaSnapshot.Join;
import io.crdbmcp.core.schema.SchemaSnapshot.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The tables of a {@link SchemaSnapshot} ranked by relevance to a question in plain language, with
 * Lucene (English stemming, stop words dropped, BM25). Each table is one document with fields of
 * different weight: its name split into words ({@code user_promo_codes} also as "user promo codes",
 * {@code riderId} as "rider id"), its column names split the same way, the comments on it and its
 * columns, the names of the tables its foreign keys join it to, and the saved knowledge notes that
 * name it. The question is expanded with a short list of everyday words for what schemas usually
 * call otherwise ("spend" and "earn" for revenue or amount, "trip" for ride, irregular verb forms
 * such as "ridden"), since a stemmer does not join those.
 *
 * <p>The question is only words to look for: nothing in it is run or obeyed.
 */
public final class SchemaContext {
  private SchemaContext() {}

  /** A saved note (a knowledge topic): its name and text. */
  public record Note(String name, String text) {}

  /**
   * One ranked table.
   *
   * @param score the relevance; 0 when no word matched
   * @param matched the question's words found in the table's document (stemmed)
   */
  public record Ranked(Table table, float score, List<String> matched) {}

  /** Weights of the fields of a table's document. */
  private static final Map<String, Float> FIELDS =
      Map.of(
          "name", 3f,
          "columns", 1.5f,
          "comments", 1f,
          "notes", 1f,
          "neighbours", 0.6f,
          "kind", 1f);

  /**
   * Everyday words and the words schemas use for them (query expansion). Generic on purpose: money,
   * time, people and trips, the usual gaps between how people ask and how columns are named.
   */
  private static final Map<String, String> EXPANSIONS =
      Map.ofEntries(
          Map.entry("spend", "revenue amount price cost total"),
          Map.entry("spent", "revenue amount price cost total"),
          Map.entry("earn", "revenue amount income"),
          Map.entry("earned", "revenue amount income"),
          Map.entry("earnings", "revenue amount income"),
          Map.entry("income", "revenue amount"),
          Map.entry("sales", "revenue amount order"),
          Map.entry("paid", "revenue amount price payment"),
          Map.entry("pay", "revenue amount price payment"),
          Map.entry("money", "revenue amount price"),
          Map.entry("cost", "price amount"),
          Map.entry("trip", "ride"),
          Map.entry("trips", "ride"),
          Map.entry("journey", "ride trip"),
          Map.entry("ridden", "ride"),
          Map.entry("rode", "ride"),
          Map.entry("duration", "start end time"),
          Map.entry("long", "start end time"),
          Map.entry("longest", "start end time"),
          Map.entry("when", "time date created"),
          Map.entry("customer", "user client"),
          Map.entry("customers", "user client"),
          Map.entry("people", "user"),
          Map.entry("who", "user name"),
          Map.entry("owns", "owner"),
          Map.entry("own", "owner"),
          Map.entry("promotion", "promo"),
          Map.entry("promotions", "promo"),
          Map.entry("discount", "promo"),
          Map.entry("bought", "order purchase"),
          Map.entry("sold", "order sale"),
          Map.entry("attributes", "properties json jsonb metadata"),
          Map.entry("summary", "view"));

  /** {@code user_promo_codes} and {@code userPromoCodes} as "user promo codes". */
  static String words(String identifier) {
    if (identifier == null) {
      return "";
    }
    return identifier
        .replaceAll("([a-z0-9])([A-Z])", "$1 $2")
        .replaceAll("[_\\-.$]+", " ")
        .toLowerCase(Locale.ROOT)
        .strip();
  }

  /** The expansions of the question's words (not the words themselves). */
  static String expansions(String question) {
    StringBuilder sb = new StringBuilder();
    for (String w : question.toLowerCase(Locale.ROOT).split("[^a-z0-9_]+")) {
      String more = EXPANSIONS.get(w);
      if (more != null) {
        sb.append(' ').append(more);
      }
    }
    return sb.toString();
  }

  /** The shortest common beginning that relates two words ("ride" and "rider"). */
  private static final int MIN_PREFIX = 4;

  /** A word of the schema that a word of the question begins, or that begins it, counts this. */
  private static final float RELATED_WEIGHT = 0.7f;

  /** An expanded word counts this much of a word the question says. */
  private static final float EXPANSION_WEIGHT = 0.5f;

  /**
   * A table gains this share of the scores of the tables its foreign keys join it to: of two tables
   * that match equally, the one that connects the others a question needs is the one the SQL will
   * join through.
   */
  private static final float NEIGHBOUR_SHARE = 0.25f;

  /**
   * The tables of {@code snapshot} best first, at most {@code limit}; tables no word matched come
   * after those that matched, by name.
   */
  public static List<Ranked> rank(
      SchemaSnapshot snapshot, List<Note> notes, String question, int limit) {
    List<Table> tables = snapshot.tables();
    if (tables.isEmpty()) {
      return List.of();
    }
    try (Analyzer analyzer = new EnglishAnalyzer();
        ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
      Set<String> said = stems(analyzer, question);
      Set<String> stems = new LinkedHashSet<>(said);
      stems.addAll(stems(analyzer, expansions(question)));
      List<Map<String, String>> docs = new ArrayList<>();
      for (Table t : tables) {
        docs.add(fields(snapshot, t, notes));
      }
      // Words of the schema that one of the question's words begins, or that begins it ("rider"
      // and "ride", "promotion" and "promo"): the stemmer leaves such pairs apart.
      Set<String> vocabulary = new LinkedHashSet<>();
      for (Map<String, String> d : docs) {
        vocabulary.addAll(stems(analyzer, d.get("name") + " " + d.get("columns")));
      }
      Set<String> related = new LinkedHashSet<>();
      for (String s : said) {
        for (String v : vocabulary) {
          if (!v.equals(s)
              && Math.min(v.length(), s.length()) >= MIN_PREFIX
              && (v.startsWith(s) || s.startsWith(v))) {
            related.add(v);
          }
        }
      }
      related.removeAll(stems);
      stems.addAll(related);
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
        for (int i = 0; i < tables.size(); i++) {
          Map<String, String> fields = docs.get(i);
          Document d = new Document();
          fields.forEach((k, v) -> d.add(new TextField(k, v, Field.Store.NO)));
          d.add(new StoredField("i", i));
          w.addDocument(d);
        }
      }
      Map<Integer, Float> scores = new HashMap<>();
      if (!stems.isEmpty()) {
        BooleanQuery.Builder q = new BooleanQuery.Builder();
        for (String s : stems) {
          float weight =
              said.contains(s) ? 1f : related.contains(s) ? RELATED_WEIGHT : EXPANSION_WEIGHT;
          for (Map.Entry<String, Float> f : FIELDS.entrySet()) {
            q.add(
                new BoostQuery(new TermQuery(new Term(f.getKey(), s)), f.getValue() * weight),
                BooleanClause.Occur.SHOULD);
          }
        }
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          IndexSearcher searcher = new IndexSearcher(reader);
          TopDocs top = searcher.search(q.build(), tables.size());
          for (ScoreDoc sd : top.scoreDocs) {
            int i =
                searcher.storedFields().document(sd.doc).getField("i").numericValue().intValue();
            scores.put(i, sd.score);
          }
        }
      }
      Map<Table, Integer> index = new HashMap<>();
      for (int i = 0; i < tables.size(); i++) {
        index.put(tables.get(i), i);
      }
      List<Ranked> ranked = new ArrayList<>();
      for (int i = 0; i < tables.size(); i++) {
        float own = scores.getOrDefault(i, 0f);
        float score = own;
        if (own > 0) {
          Set<Integer> neighbours = new LinkedHashSet<>();
          for (Join j : snapshot.joinsOf(tables.get(i))) {
            Table other = j.from() == tables.get(i) ? j.to() : j.from();
            neighbours.add(index.getOrDefault(other, -1));
          }
          for (int n : neighbours) {
            score += NEIGHBOUR_SHARE * scores.getOrDefault(n, 0f);
          }
        }
        List<String> matched = new ArrayList<>();
        if (score > 0) {
          Set<String> here = new LinkedHashSet<>();
          for (String v : docs.get(i).values()) {
            here.addAll(stems(analyzer, v));
          }
          for (String s : stems) {
            if (here.contains(s)) {
              matched.add(s);
            }
          }
        }
        ranked.add(new Ranked(tables.get(i), score, matched));
      }
      ranked.sort(
          Comparator.comparingDouble((Ranked r) -> -r.score())
              .thenComparing(r -> r.table().qualified()));
      return List.copyOf(ranked.subList(0, Math.min(Math.max(1, limit), ranked.size())));
    } catch (IOException e) {
      throw new UncheckedIOException("ranking the schema failed", e);
    }
  }

  /** The fields of one table's document. */
  private static Map<String, String> fields(SchemaSnapshot snapshot, Table t, List<Note> notes) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("name", t.name() + " " + words(t.name()));
    StringBuilder cols = new StringBuilder();
    StringBuilder comments = new StringBuilder(t.comment() == null ? "" : t.comment());
    for (Column c : t.columns()) {
      cols.append(c.name()).append(' ').append(words(c.name())).append(' ');
      if (c.comment() != null) {
        comments.append(' ').append(c.comment());
      }
    }
    f.put("columns", cols.toString());
    f.put("comments", comments.toString());
    StringBuilder neighbours = new StringBuilder();
    for (Join j : snapshot.joinsOf(t)) {
      Table other = j.from() == t ? j.to() : j.from();
      neighbours.append(words(other.name())).append(' ');
    }
    f.put("neighbours", neighbours.toString());
    StringBuilder noted = new StringBuilder();
    Set<String> names =
        new LinkedHashSet<>(List.of(t.name().toLowerCase(Locale.ROOT), words(t.name())));
    for (Note n : notes) {
      String text = (n.name() + "\n" + n.text()).toLowerCase(Locale.ROOT);
      if (names.stream().anyMatch(text::contains)) {
        noted.append(n.name()).append('\n').append(n.text()).append('\n');
      }
    }
    f.put("notes", noted.toString());
    // The kind ("view") and the column types ("jsonb"), for questions that name them.
    StringBuilder kind = new StringBuilder(t.kind());
    t.columns().forEach(c -> kind.append(' ').append(words(c.type())));
    f.put("kind", kind.toString());
    return f;
  }

  /** The analysed terms of some text: lower case, stemmed, without stop words. */
  static Set<String> stems(Analyzer analyzer, String text) throws IOException {
    Set<String> out = new LinkedHashSet<>();
    try (TokenStream ts = analyzer.tokenStream("name", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    }
    return out;
  }
}
