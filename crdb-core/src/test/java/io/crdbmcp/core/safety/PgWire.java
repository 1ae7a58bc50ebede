package io.crdbmcp.core.safety;

import io.crdbmcp.core.connect.ConnectionSpec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A minimal PostgreSQL frontend/backend protocol (3.0) client for tests only: it sends a text to
 * the server exactly as given, either as one simple Query message or as one Parse message.
 *
 * <p>Written by hand on purpose. The JDBC driver (pgjdbc) splits a text at semicolons with its own
 * lexer before anything reaches the server, and has no switch to send a text unsplit; whatever it
 * reports about statement boundaries is therefore pgjdbc's opinion, not the server's. The lexer
 * agreement tests need the server's own scanner to decide where strings end and how many statements
 * a text holds, so this client sends the raw text: a Parse message holding several statements makes
 * the server answer {@code 42601 cannot insert multiple commands into a prepared statement} without
 * running anything.
 *
 * <p>Supports plain TCP (no TLS) and trust, cleartext, MD5 and SCRAM-SHA-256 authentication.
 */
final class PgWire implements AutoCloseable {

  /** The outcome of one request: rows in text format, or the server's error. */
  record Result(List<String> columns, List<List<String>> rows, String sqlState, String message) {
    boolean ok() {
      return sqlState == null;
    }

    /** The single value of a one-row, one-column result. */
    String single() {
      if (!ok()) {
        throw new AssertionError("server error " + sqlState + ": " + message);
      }
      if (rows.size() != 1 || rows.get(0).size() != 1) {
        throw new AssertionError("expected one value, got " + rows);
      }
      return rows.get(0).get(0);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;

  private PgWire(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
  }

  /** Connects and authenticates; {@code options} are extra startup parameters (name, value...). */
  static PgWire connect(ConnectionSpec spec, String... options) throws IOException {
    String host = spec.host().replace("[", "").replace("]", "");
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(host, spec.port()), 10_000);
    socket.setSoTimeout(60_000);
    PgWire w = new PgWire(socket);
    try {
      w.startup(spec, options);
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  /** Runs {@code sql} as one simple Query message. */
  Result simpleQuery(String sql) throws IOException {
    message('Q', cstring(sql));
    out.flush();
    return readResults();
  }

  /** Sends {@code sql} as one Parse message of the unnamed statement, then Sync. */
  Result parse(String sql) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(cstring(""));
    body.writeBytes(cstring(sql));
    body.write(0); // no parameter types
    body.write(0);
    message('P', body.toByteArray());
    message('S', new byte[0]);
    out.flush();
    return readResults();
  }

  @Override
  public void close() throws IOException {
    try {
      if (!socket.isClosed()) {
        message('X', new byte[0]);
        out.flush();
      }
    } catch (IOException ignored) {
      // closing anyway
    } finally {
      socket.close();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void startup(ConnectionSpec spec, String... options) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    writeInt(body, 196608); // protocol 3.0
    List<String> params = new ArrayList<>();
    params.addAll(
        List.of(
            "user",
            spec.user(),
            "database",
            spec.database(),
            "client_encoding",
            "UTF8",
            "application_name",
            "lexer-agreement-test"));
    params.addAll(List.of(options));
    for (String p : params) {
      body.writeBytes(cstring(p));
    }
    body.write(0);
    byte[] b = body.toByteArray();
    out.writeInt(b.length + 4);
    out.write(b);
    out.flush();
    authenticate(spec);
    Result r = readResults();
    if (!r.ok()) {
      throw new IOException("startup failed: " + r.sqlState() + " " + r.message());
    }
  }

  private void authenticate(ConnectionSpec spec) throws IOException {
    String password = spec.password();
    byte[] clientFirstBare = null;
    String clientNonce = null;
    byte[] serverSignature = null;
    while (true) {
      int type = in.readUnsignedByte();
      byte[] m = new byte[in.readInt() - 4];
      in.readFully(m);
      if (type == 'E') {
        throw new IOException("authentication failed: " + errorFields(m));
      }
      if (type != 'R') {
        throw new IOException("unexpected message during authentication: " + (char) type);
      }
      int code = readInt(m, 0);
      switch (code) {
        case 0 -> {
          return;
        }
        case 3 -> message('p', cstring(requirePassword(password)));
        case 5 -> {
          MessageDigest md5 = digest("MD5");
          String inner =
              HexFormat.of()
                  .formatHex(
                      md5.digest(
                          (requirePassword(password) + spec.user())
                              .getBytes(StandardCharsets.UTF_8)));
          md5.update(inner.getBytes(StandardCharsets.US_ASCII));
          md5.update(m, 4, 4);
          message('p', cstring("md5" + HexFormat.of().formatHex(md5.digest())));
        }
        case 10 -> {
          String mechanisms = new String(m, 4, m.length - 4, StandardCharsets.UTF_8);
          if (!mechanisms.contains("SCRAM-SHA-256\0")) {
            throw new IOException("no supported SASL mechanism in " + mechanisms);
          }
          byte[] nonce = new byte[18];
          new SecureRandom().nextBytes(nonce);
          clientNonce = Base64.getEncoder().encodeToString(nonce);
          clientFirstBare = ("n=,r=" + clientNonce).getBytes(StandardCharsets.UTF_8);
          byte[] first = concat("n,,".getBytes(StandardCharsets.UTF_8), clientFirstBare);
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          body.writeBytes(cstring("SCRAM-SHA-256"));
          writeInt(body, first.length);
          body.writeBytes(first);
          message('p', body.toByteArray());
        }
        case 11 -> {
          String serverFirst = new String(m, 4, m.length - 4, StandardCharsets.UTF_8);
          String serverNonce = null;
          byte[] salt = null;
          int iterations = 0;
          for (String attr : serverFirst.split(",")) {
            if (attr.startsWith("r=")) {
              serverNonce = attr.substring(2);
            } else if (attr.startsWith("s=")) {
              salt = Base64.getDecoder().decode(attr.substring(2));
            } else if (attr.startsWith("i=")) {
              iterations = Integer.parseInt(attr.substring(2));
            }
          }
          if (serverNonce == null || !serverNonce.startsWith(clientNonce) || salt == null) {
            throw new IOException("bad SCRAM server-first message");
          }
          byte[] salted = hi(requirePassword(password), salt, iterations);
          byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.UTF_8));
          byte[] storedKey = digest("SHA-256").digest(clientKey);
          String withoutProof = "c=biws,r=" + serverNonce;
          byte[] authMessage =
              (new String(clientFirstBare, StandardCharsets.UTF_8)
                      + ","
                      + serverFirst
                      + ","
                      + withoutProof)
                  .getBytes(StandardCharsets.UTF_8);
          byte[] signature = hmac(storedKey, authMessage);
          byte[] proof = new byte[clientKey.length];
          for (int k = 0; k < proof.length; k++) {
            proof[k] = (byte) (clientKey[k] ^ signature[k]);
          }
          byte[] serverKey = hmac(salted, "Server Key".getBytes(StandardCharsets.UTF_8));
          serverSignature = hmac(serverKey, authMessage);
          message(
              'p',
              (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                  .getBytes(StandardCharsets.UTF_8));
        }
        case 12 -> {
          String serverFinal = new String(m, 4, m.length - 4, StandardCharsets.UTF_8);
          if (serverSignature == null
              || !serverFinal.equals("v=" + Base64.getEncoder().encodeToString(serverSignature))) {
            throw new IOException("the server's SCRAM signature does not verify");
          }
        }
        default -> throw new IOException("unsupported authentication request " + code);
      }
      out.flush();
    }
  }

  private static String requirePassword(String password) throws IOException {
    if (password == null) {
      throw new IOException("the server asks for a password and the spec has none");
    }
    return password;
  }

  /** Reads until ReadyForQuery; keeps the first row description, all rows, the first error. */
  private Result readResults() throws IOException {
    List<String> columns = null;
    List<List<String>> rows = new ArrayList<>();
    String state = null;
    String msg = null;
    while (true) {
      int type = in.readUnsignedByte();
      byte[] m = new byte[in.readInt() - 4];
      in.readFully(m);
      switch (type) {
        case 'Z' -> {
          return new Result(columns == null ? List.of() : columns, rows, state, msg);
        }
        case 'E' -> {
          if (state == null) {
            state = field(m, 'C');
            msg = field(m, 'M');
          }
        }
        case 'T' -> {
          if (columns == null) {
            columns = new ArrayList<>();
            int count = readShort(m, 0);
            int p = 2;
            for (int k = 0; k < count; k++) {
              int end = indexOfZero(m, p);
              columns.add(new String(m, p, end - p, StandardCharsets.UTF_8));
              p = end + 1 + 18; // table oid, attnum, type oid, typlen, typmod, format
            }
          }
        }
        case 'D' -> {
          int count = readShort(m, 0);
          int p = 2;
          List<String> row = new ArrayList<>();
          for (int k = 0; k < count; k++) {
            int len = readInt(m, p);
            p += 4;
            if (len < 0) {
              row.add(null);
            } else {
              row.add(new String(m, p, len, StandardCharsets.UTF_8));
              p += len;
            }
          }
          rows.add(row);
        }
        default -> {
          // ParseComplete, CommandComplete, EmptyQueryResponse, NoticeResponse,
          // ParameterStatus, BackendKeyData: nothing to keep.
        }
      }
    }
  }

  private static String errorFields(byte[] m) {
    return field(m, 'C') + " " + field(m, 'M');
  }

  private static String field(byte[] m, char code) {
    int p = 0;
    while (p < m.length && m[p] != 0) {
      int end = indexOfZero(m, p + 1);
      if (m[p] == code) {
        return new String(m, p + 1, end - p - 1, StandardCharsets.UTF_8);
      }
      p = end + 1;
    }
    return null;
  }

  private void message(char type, byte[] body) throws IOException {
    out.writeByte(type);
    out.writeInt(body.length + 4);
    out.write(body);
  }

  private static byte[] cstring(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] r = new byte[b.length + 1];
    System.arraycopy(b, 0, r, 0, b.length);
    return r;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = new byte[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static int indexOfZero(byte[] m, int from) {
    int p = from;
    while (m[p] != 0) {
      p++;
    }
    return p;
  }

  private static void writeInt(ByteArrayOutputStream o, int v) {
    o.write(v >>> 24);
    o.write(v >>> 16);
    o.write(v >>> 8);
    o.write(v);
  }

  private static int readInt(byte[] m, int p) {
    return ((m[p] & 0xFF) << 24)
        | ((m[p + 1] & 0xFF) << 16)
        | ((m[p + 2] & 0xFF) << 8)
        | (m[p + 3] & 0xFF);
  }

  private static int readShort(byte[] m, int p) {
    return ((m[p] & 0xFF) << 8) | (m[p + 1] & 0xFF);
  }

  private static MessageDigest digest(String algorithm) throws IOException {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private static byte[] hmac(byte[] key, byte[] data) throws IOException {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  /** SCRAM's Hi(): PBKDF2 with HMAC-SHA-256 and one output block. */
  private static byte[] hi(String password, byte[] salt, int iterations) throws IOException {
    byte[] key = password.getBytes(StandardCharsets.UTF_8);
    byte[] u = hmac(key, concat(salt, new byte[] {0, 0, 0, 1}));
    byte[] result = u.clone();
    for (int i = 1; i < iterations; i++) {
      u = hmac(key, u);
      for (int k = 0; k < result.length; k++) {
        result[k] ^= u[k];
      }
    }
    return result;
  }
}
