package io.crdbmcp.core.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
 * Ranks topics by relevance to a few words, with Lucene: English stemming (so "indexes" finds
 * "indexed" and "indexing"), stop words dropped, BM25 scoring, a match in the topic's name worth
 * twice one in its text. The topics are indexed in memory for each search: a knowledge store holds
 * at most a megabyte, which indexes in milliseconds, and nothing goes stale.
 */
final class KnowledgeSearch {
  /** One result: the topic, its score, and the line of its text that matches best. */
  record Hit(Topic topic, float score, String snippet) {}

  private KnowledgeSearch() {}

  static List<Hit> search(List<Topic> topics, String words, int limit) {
    try (Analyzer analyzer = new EnglishAnalyzer()) {
      Set<String> stems = stems(analyzer, words);
      if (stems.isEmpty() || topics.isEmpty()) {
        return List.of();
      }
      try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
        try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
          for (int i = 0; i < topics.size(); i++) {
            Document d = new Document();
            d.add(new TextField("name", topics.get(i).name(), Field.Store.NO));
            d.add(new TextField("content", topics.get(i).content(), Field.Store.NO));
            d.add(new StoredField("i", i));
            w.addDocument(d);
          }
        }
        BooleanQuery.Builder q = new BooleanQuery.Builder();
        for (String s : stems) {
          q.add(new BoostQuery(new TermQuery(new Term("name", s)), 2f), BooleanClause.Occur.SHOULD);
          q.add(new TermQuery(new Term("content", s)), BooleanClause.Occur.SHOULD);
        }
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          IndexSearcher searcher = new IndexSearcher(reader);
          TopDocs top = searcher.search(q.build(), Math.max(1, limit));
          List<Hit> out = new ArrayList<>();
          for (ScoreDoc sd : top.scoreDocs) {
            int i =
                searcher.storedFields().document(sd.doc).getField("i").numericValue().intValue();
            Topic t = topics.get(i);
            out.add(new Hit(t, sd.score, snippet(analyzer, t.content(), stems)));
          }
          return out;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("searching the knowledge failed", e);
    }
  }

  /** The analysed terms of some text: lower case, stemmed, without stop words. */
  static Set<String> stems(Analyzer analyzer, String text) throws IOException {
    Set<String> out = new LinkedHashSet<>();
    try (TokenStream ts = analyzer.tokenStream("content", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    }
    return out;
  }

  /** The line with the most of the searched stems, at most 200 characters. */
  private static String snippet(Analyzer analyzer, String content, Set<String> stems)
      throws IOException {
    String best = "";
    int bestCount = 0;
    for (String line : content.split("\n")) {
      Set<String> here = stems(analyzer, line);
      here.retainAll(stems);
      if (here.size() > bestCount) {
        bestCount = here.size();
        best = line.strip();
      }
    }
    if (best.isEmpty()) {
      best = content.strip().lines().findFirst().orElse("");
    }
    return best.length() > 200 ? best.substring(0, 197) + "..." : best;
  }
}
