package io.crdbmcp.core.rows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crdbmcp.core.CrdbException;
import io.crdbmcp.core.sql.Values;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The keyset-pagination cursor of read_rows: an opaque base64url JSON text holding the table, the
 * full ordering (columns and directions, the primary key included as tiebreaker), a digest of the
 * filter, and the ordering values of the last row returned. Opaque to the model, but not secret: it
 * holds only values the model has already seen.
 *
 * @param table schema-qualified table, unquoted ({@code public.items})
 * @param ordering the ordering keys in order
 * @param filterDigest digest of the filter and key the page was read with
 * @param values JSON-safe values ({@link Values#toJson}) of the ordering keys of the last row
 */
record RowCursor(
    String table, List<Rows.Order> ordering, String filterDigest, List<Object> values) {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final int VERSION = 1;

  public RowCursor {
    ordering = List.copyOf(ordering);
    values = java.util.Collections.unmodifiableList(new ArrayList<>(values));
  }

  public String encode() {
    ObjectNode n = JSON.createObjectNode();
    n.put("v", VERSION);
    n.put("t", table);
    ArrayNode o = n.putArray("o");
    for (Rows.Order ord : ordering) {
      o.addArray().add(ord.column()).add(ord.descending() ? "desc" : "asc");
    }
    n.put("f", filterDigest);
    n.set("k", JSON.valueToTree(values));
    try {
      byte[] json = JSON.writeValueAsBytes(n);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot encode cursor", e);
    }
  }

  /** Decodes a cursor, or throws INVALID_ARGUMENT when it is not one of ours. */
  public static RowCursor decode(String cursor) {
    try {
      byte[] json = Base64.getUrlDecoder().decode(cursor.trim());
      JsonNode n = JSON.readTree(json);
      if (n == null || n.path("v").asInt() != VERSION) {
        throw invalid();
      }
      List<Rows.Order> ordering = new ArrayList<>();
      for (JsonNode o : n.path("o")) {
        String dir = o.path(1).asText();
        if (!o.path(0).isTextual() || !(dir.equals("asc") || dir.equals("desc"))) {
          throw invalid();
        }
        ordering.add(new Rows.Order(o.path(0).asText(), dir.equals("desc")));
      }
      JsonNode k = n.path("k");
      if (!n.path("t").isTextual() || !k.isArray() || k.size() != ordering.size()) {
        throw invalid();
      }
      List<Object> values = new ArrayList<>();
      for (JsonNode v : k) {
        values.add(v.isNull() ? null : JSON.treeToValue(v, Object.class));
      }
      return new RowCursor(n.path("t").asText(), ordering, n.path("f").asText(), values);
    } catch (CrdbException e) {
      throw e;
    } catch (RuntimeException | java.io.IOException e) {
      throw invalid();
    }
  }

  private static CrdbException invalid() {
    return CrdbException.invalidArgument(
        "cursor is not a row-reading cursor (it is damaged or from another call)",
        "pass next_cursor from the previous result unchanged, or omit cursor to start"
            + " from the first page");
  }

  /** A short stable digest of a text (the canonical form of a filter). */
  static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
