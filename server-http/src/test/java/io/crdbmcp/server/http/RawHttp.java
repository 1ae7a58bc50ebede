package io.crdbmcp.server.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP requests to the server under test over a real socket: through the JDK's client, and, where
 * that client will not send what a test needs (a foreign {@code Host} header, a chunked body that
 * never ends), written by hand on a plain socket.
 */
final class RawHttp {
  static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";

  private RawHttp() {}

  /** A POST of JSON to /mcp with the headers given (name, value, name, value ...). */
  static HttpResponse<String> post(URI base, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve("/mcp"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> send(HttpRequest r) throws Exception {
    return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
  }

  /** A fresh session's token (the {@code Mcp-Session-Id} of an initialize answer). */
  static String initialize(URI base) throws Exception {
    HttpResponse<String> r = post(base, INITIALIZE);
    if (r.statusCode() != 200) {
      throw new IllegalStateException("initialize: " + r.statusCode() + " " + r.body());
    }
    String token = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
    post(
        base,
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "Mcp-Session-Id",
        token);
    return token;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * Calls a tool in a session and returns the JSON-RPC response (from the event stream the server
   * answers with).
   */
  static com.fasterxml.jackson.databind.JsonNode call(
      URI base, String token, int id, String tool, Map<String, Object> arguments) throws Exception {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("name", tool);
    params.put("arguments", arguments);
    Map<String, Object> req = new LinkedHashMap<>();
    req.put("jsonrpc", "2.0");
    req.put("id", id);
    req.put("method", "tools/call");
    req.put("params", params);
    return answer(post(base, JSON.writeValueAsString(req), "Mcp-Session-Id", token), id, tool);
  }

  /**
   * Posts a request body as given, in bytes, with its own {@code Content-Type} (a charset, say),
   * and returns the JSON-RPC response to request {@code id}.
   */
  static com.fasterxml.jackson.databind.JsonNode call(
      URI base, String token, int id, byte[] body, String contentType) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(base.resolve("/mcp"))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", contentType)
            .header("Accept", "application/json, text/event-stream")
            .header("Mcp-Session-Id", token)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return answer(send(r), id, "request " + id);
  }

  /** The JSON-RPC response to request {@code id} in the event stream the server answered with. */
  private static com.fasterxml.jackson.databind.JsonNode answer(
      HttpResponse<String> r, int id, String what) throws IOException {
    if (r.statusCode() != 200) {
      throw new IllegalStateException(what + ": HTTP " + r.statusCode() + " " + r.body());
    }
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data:")) {
        com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(line.substring(5).trim());
        if (n.has("id") && n.get("id").asInt() == id) {
          return n;
        }
      }
    }
    throw new IllegalStateException(what + ": no response in " + r.body());
  }

  /** Status, headers (lower-case names) and body of a response read from a socket. */
  record Response(int status, Map<String, String> headers, String body) {}

  /** Writes {@code request} (a whole HTTP/1.1 request head, and body if any) on a new socket. */
  static Response raw(URI base, byte[] request) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      return read(s.getInputStream());
    }
  }

  static Response raw(URI base, String request) throws IOException {
    return raw(base, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Reads one response: the head, then the body by Content-Length, chunks, or to the end. */
  static Response read(InputStream in) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while (!(l = line(in)).isEmpty()) {
      int c = l.indexOf(':');
      headers.merge(
          l.substring(0, c).trim().toLowerCase(Locale.ROOT),
          l.substring(c + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (headers.containsKey("content-length")) {
      int n = Integer.parseInt(headers.get("content-length"));
      body.write(in.readNBytes(n));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      while (true) {
        int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
        if (size == 0) {
          line(in);
          break;
        }
        body.write(in.readNBytes(size));
        line(in);
      }
    }
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }
}
