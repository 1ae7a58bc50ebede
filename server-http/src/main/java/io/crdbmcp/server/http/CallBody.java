package io.crdbmcp.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.crdbmcp.tools.Cancellations;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A posted JSON-RPC message as the SDK's transport reads it, after {@link Cancellations} saw it: a
 * {@code tools/call} carries its cancellation key in {@code _meta}, a {@code
 * notifications/cancelled} has stopped the call it names (the SDK only logs it). The SDK's HTTP
 * transports read the body themselves and give handlers neither the notification nor the request
 * id, so this is the one place both can be seen.
 */
final class CallBody extends HttpServletRequestWrapper {
  /**
   * Decimals read as BigDecimal, so a body written anew keeps every digit of a numeric argument (as
   * the SDK's own mapper reads them).
   */
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final byte[] body;
  private final InputStream rest;
  private final boolean rewritten;

  /** The tool a {@code tools/call} names; null for other messages. */
  private String tool;

  private CallBody(HttpServletRequest request, byte[] body, InputStream rest) {
    this(request, body, rest, false);
  }

  private CallBody(HttpServletRequest request, byte[] body, InputStream rest, boolean rewritten) {
    super(request);
    this.body = body;
    this.rest = rest;
    this.rewritten = rewritten;
  }

  /**
   * Reads a POST body of at most {@code maxBody} bytes and hands its message to {@code
   * cancellations} for {@code session}; a larger body, or one that is not a JSON object, goes on as
   * it came (the SDK answers it).
   */
  static HttpServletRequest of(
      HttpServletRequest req, String session, Cancellations cancellations, long maxBody)
      throws IOException {
    InputStream in = req.getInputStream();
    byte[] head = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxBody + 1));
    if (head.length > maxBody) {
      return new CallBody(req, head, in); // the SDK refuses it for its size
    }
    // Every body is parsed, as the SDK will read it: decoded with the request's charset (else
    // UTF-8), then by Jackson with the same (default) parser features as the SDK's mapper. A cheap
    // look for the text "tools/call" first let a call through unregistered, hence not
    // cancellable, when its method was written with a JSON escape ("tools\/call"), or the body
    // in another charset; what the SDK will see as a call is registered here whatever its
    // spelling.
    Object parsed;
    try {
      String charset = req.getCharacterEncoding();
      String text =
          charset == null
              ? new String(head, StandardCharsets.UTF_8)
              : new String(head, Charset.forName(charset));
      parsed = JSON.readValue(text, Object.class);
    } catch (IOException | RuntimeException e) {
      return new CallBody(req, head, null); // the SDK answers the parse error (or the charset)
    }
    if (!(parsed instanceof Map<?, ?> map)) {
      return new CallBody(req, head, null);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> message = (Map<String, Object>) map;
    cancellations.received(session, message);
    if ("tools/call".equals(message.get("method"))) {
      CallBody b = new CallBody(req, JSON.writeValueAsBytes(message), null, true);
      b.tool =
          message.get("params") instanceof Map<?, ?> p && p.get("name") instanceof String n
              ? n
              : null;
      return b;
    }
    return new CallBody(req, head, null);
  }

  /** The tool the posted {@code tools/call} names, or null. */
  static String toolOf(HttpServletRequest req) {
    return req instanceof CallBody b ? b.tool : null;
  }

  @Override
  public ServletInputStream getInputStream() {
    InputStream all =
        rest == null
            ? new ByteArrayInputStream(body)
            : new SequenceInputStream(new ByteArrayInputStream(body), rest);
    return new ServletInputStream() {
      private boolean finished;

      @Override
      public int read() throws IOException {
        int b = all.read();
        finished = b < 0;
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = all.read(buf, off, len);
        finished = n < 0;
        return n;
      }

      @Override
      public boolean isFinished() {
        return finished;
      }

      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setReadListener(ReadListener listener) {
        throw new IllegalStateException("the body is read blocking");
      }
    };
  }

  @Override
  public BufferedReader getReader() throws IOException {
    String charset = getCharacterEncoding();
    return new BufferedReader(
        new InputStreamReader(
            getInputStream(), charset == null ? StandardCharsets.UTF_8.name() : charset));
  }

  /** As the client declared it, except for a body written anew (JSON, so UTF-8). */
  @Override
  public String getCharacterEncoding() {
    return rewritten ? StandardCharsets.UTF_8.name() : super.getCharacterEncoding();
  }

  @Override
  public int getContentLength() {
    return rest == null ? body.length : super.getContentLength();
  }

  @Override
  public long getContentLengthLong() {
    return rest == null ? body.length : super.getContentLengthLong();
  }
}
